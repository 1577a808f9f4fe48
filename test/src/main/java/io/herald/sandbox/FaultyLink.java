package io.herald.sandbox;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The network between a sender and an emulator, as a TCP relay that can be slow and can drop
 * connections. It relays the TLS bytes as they are, so the emulator behind it (Pushy's MockApnsServer
 * or the FCM emulator) needs no change and stalls no connection: latency delays what the emulator
 * says on its way back, and nothing waits on the emulator's event loop.
 *
 * <p>A dropped connection loses the requests that had not reached the emulator yet, which the sender
 * sees as streams closed with no answer, and must send again. It never loses an answer the emulator
 * already gave: the relay stops passing the sender's bytes on and ends the emulator's input (a FIN),
 * the emulator answers what it read and closes, and the relay passes those answers on before it
 * ends the sender's connection, with a FIN rather than a reset. So the emulators' delivery counts
 * stay what each device really got, and a sender that retries correctly delivers exactly once. (A
 * provider that crashes may lose answers too; no sender can then tell whether to retry, and real
 * providers deliver at least once.)
 */
public final class FaultyLink implements AutoCloseable {
    private final Channel server;
    private final Faults faults;

    private FaultyLink(Channel server, Faults faults) {
        this.server = server;
        this.faults = faults;
    }

    /** Starts a relay on a free local port to {@code target}, on {@code group}'s threads. */
    public static FaultyLink start(EventLoopGroup group, int target, Faults faults) throws InterruptedException {
        Channel server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel sender) {
                        sender.pipeline().addLast(new Relay(target, faults));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        return new FaultyLink(server, faults);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public Faults faults() {
        return faults;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    /** One sender's connection and its own connection to the emulator. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final int target;
        private final Faults faults;
        private Channel emulator;
        private boolean dropping;

        Relay(int target, Faults faults) {
            this.target = target;
            this.faults = faults;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel sender = ctx.channel();
            new Bootstrap()
                    .group(sender.eventLoop())
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext emulatorCtx, Object msg) {
                            long latency = faults.latencyMs();
                            if (latency > 0) {
                                // Scheduled, not slept: the same delay for every chunk keeps their order.
                                sender.eventLoop().schedule(() -> forward(sender, msg), latency, TimeUnit.MILLISECONDS);
                            } else {
                                forward(sender, msg);
                            }
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext emulatorCtx) {
                            // Whatever the sender writes from now on has nowhere to go: read and drop it,
                            // since closing with bytes unread would reset the connection.
                            dropping = true;
                            closeAfter(sender, faults.latencyMs());
                        }
                    })
                    .connect("127.0.0.1", target)
                    .addListener((ChannelFutureListener) f -> {
                        if (f.isSuccess()) {
                            emulator = f.channel();
                            sender.read();
                        } else {
                            sender.close();
                        }
                    });
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (dropping) {
                ReferenceCountUtil.release(msg);
                ctx.read();
                return;
            }
            if (faults.dropNow()) {
                ReferenceCountUtil.release(msg);
                drop(ctx.channel());
                ctx.read();
                return;
            }
            // Read the sender's next bytes only once these are written: the relay buffers one chunk.
            emulator.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
                if (f.isSuccess()) {
                    ctx.read();
                } else {
                    ctx.close();
                }
            });
        }

        /**
         * Stops passing the sender's bytes on and ends the emulator's input. The emulator answers
         * every request it has read in full, then closes; the relay passes those last answers on
         * and only then ends the sender's connection (see the emulator handler's channelInactive).
         */
        private void drop(Channel sender) {
            dropping = true;
            ((SocketChannel) emulator).shutdownOutput();
        }

        /**
         * Ends the sender's connection once what is on its way has arrived: a FIN after the last bytes,
         * not a reset, which could throw away answers the sender has not read yet.
         */
        private static void closeAfter(Channel sender, long latencyMs) {
            sender.eventLoop().schedule(() -> {
                if (sender instanceof SocketChannel) {
                    ((SocketChannel) sender).shutdownOutput().addListener(f ->
                            sender.eventLoop().schedule(() -> sender.close(), 1, TimeUnit.SECONDS));
                } else {
                    sender.close();
                }
            }, latencyMs + 1, TimeUnit.MILLISECONDS);
        }

        private static void forward(Channel sender, Object msg) {
            if (sender.isActive()) {
                sender.writeAndFlush(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (emulator != null) {
                emulator.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
