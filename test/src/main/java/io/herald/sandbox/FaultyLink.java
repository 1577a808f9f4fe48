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
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * The network between a sender and an emulator, as a TCP relay that can be slow and can drop
 * connections. It relays the TLS bytes as they are, so the emulator behind it (Pushy's MockApnsServer
 * or the FCM emulator) needs no change and stalls no connection: latency delays what the emulator
 * says on its way back, and nothing waits on the emulator's event loop.
 *
 * <p>A dropped connection is closed by the emulator as a provider closes one (see {@link GoingAway}):
 * the relay stops passing the sender's bytes on, the emulator sends a GOAWAY naming the last request
 * it took (it has answered those), then closes; the relay passes those last bytes back and ends the
 * sender's connection with a FIN rather than a reset. The requests after the GOAWAY's last were not
 * taken, and the sender, told so, sends them again: the emulators' delivery counts stay what each
 * device really got, and a sender that retries what it was told was not taken delivers exactly
 * once. (A connection of the emulator's not yet speaking HTTP/2 has its input ended instead:
 * nothing was taken on it.)
 *
 * <p>What no sender can tell apart is a connection that dies with requests written and unanswered:
 * {@link Faults#unreachable} and {@link Faults#answersLost} make those (the first loses the
 * requests, the second only their answers, as in a real outage where most had arrived).
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
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
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
        /** A drop was decided, and waits for the connection to speak HTTP/2. */
        private boolean dropDue;
        /** Bytes of the sender's were swallowed while the provider was unreachable: the stream is broken. */
        private boolean severed;

        private ScheduledFuture<?> healWatch;
        /** Bytes of the emulator's (answers) were swallowed: the stream back is broken. */
        private boolean answersCut;

        private ScheduledFuture<?> resetWatch;
        /** When the last chunk of answers held back is due (System.nanoTime), on the sender's event loop. */
        private long answersDue;
        /** Chunks of answers held back for the latency, in the order they came, each due no sooner than the one before. */
        private final ArrayDeque<Delayed> delayed = new ArrayDeque<>();
        /** The emulator closed its side: the sender's is closed once the answers held back have gone. */
        private boolean emulatorGone;

        Relay(int target, Faults faults) {
            this.target = target;
            this.faults = faults;
            this.answersDue = System.nanoTime();
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
                            if (answersCut || faults.answersLost()) {
                                ReferenceCountUtil.release(msg);
                                if (!answersCut) {
                                    answersCut = true;
                                    resetWhenAnswersFlow(sender);
                                }
                                return;
                            }
                            long now = System.nanoTime();
                            long delay = faults.nextDelayNanos();
                            if (delay > 0 || !delayed.isEmpty()) {
                                // Held in order, never due before the chunk ahead of it: a jittered delay
                                // keeps the stream in order. (One timer per chunk would not: each timer's
                                // deadline is read off the clock anew, and two due at once may swap.)
                                answersDue = Math.max(answersDue - now, delay) + now;
                                delayed.add(new Delayed(msg, answersDue));
                                if (delayed.size() == 1) {
                                    forwardWhenDue(sender);
                                }
                            } else {
                                forward(sender, msg);
                            }
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext emulatorCtx) {
                            // Whatever the sender writes from now on has nowhere to go: read and drop it,
                            // since closing with bytes unread would reset the connection.
                            dropping = true;
                            // After the last answer held back has gone (forwardWhenDue closes then).
                            emulatorGone = true;
                            if (delayed.isEmpty()) {
                                closeAfter(sender, 0);
                            }
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
            if (severed || faults.unreachable()) {
                ReferenceCountUtil.release(msg);
                if (!severed) {
                    severed = true;
                    closeWhenReachable(ctx.channel());
                }
                ctx.read();
                return;
            }
            if (dropping) {
                ReferenceCountUtil.release(msg);
                ctx.read();
                return;
            }
            // A drop decided before the emulator's end speaks HTTP/2 waits for it: cut in the middle of
            // the TLS handshake, the connection could lose requests the sender wrote after its own
            // half of it, with no word back.
            dropDue |= faults.dropNow();
            if (dropDue && GoingAway.speaksHttp2(emulator.localAddress())) {
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
         * Once the provider is reachable again, closes this connection, which lost bytes, as the
         * provider closes one: a GOAWAY naming the last request it took (the way back still works),
         * so that the sender knows the requests it lost were not taken and sends them again; both
         * sides at once if the emulator's end does not speak HTTP/2 yet.
         */
        private void closeWhenReachable(Channel sender) {
            healWatch = sender.eventLoop()
                    .scheduleAtFixedRate(
                            () -> {
                                if (!faults.unreachable()) {
                                    healWatch.cancel(false);
                                    if (emulator == null || !GoingAway.close(emulator.localAddress())) {
                                        if (emulator != null) {
                                            emulator.close();
                                        }
                                        sender.close();
                                    }
                                }
                            },
                            50,
                            50,
                            TimeUnit.MILLISECONDS);
        }

        /**
         * Once answers may flow again, resets this connection, which lost answers: a TCP reset to
         * the sender, no GOAWAY, so it cannot tell whether its unanswered requests arrived.
         */
        private void resetWhenAnswersFlow(Channel sender) {
            resetWatch = sender.eventLoop()
                    .scheduleAtFixedRate(
                            () -> {
                                if (!faults.answersLost()) {
                                    resetWatch.cancel(false);
                                    if (sender instanceof SocketChannel) {
                                        ((SocketChannel) sender).config().setSoLinger(0);
                                    }
                                    sender.close();
                                    if (emulator != null) {
                                        emulator.close();
                                    }
                                }
                            },
                            50,
                            50,
                            TimeUnit.MILLISECONDS);
        }

        /**
         * Stops passing the sender's bytes on, and has the emulator close the connection as a
         * provider does ({@link GoingAway}: a GOAWAY naming the last request it took, whose answers
         * it has given, then the close); one not yet speaking HTTP/2 has its input ended instead,
         * and closes. The relay passes the emulator's last bytes on and only then ends the sender's
         * connection (see the emulator handler's channelInactive).
         */
        private void drop(Channel sender) {
            dropping = true;
            if (!GoingAway.close(emulator.localAddress())) {
                ((SocketChannel) emulator).shutdownOutput();
            }
        }

        /**
         * Ends the sender's connection once what is on its way has arrived: a FIN after the last bytes,
         * not a reset, which could throw away answers the sender has not read yet.
         */
        /** Forwards the chunks held back that are due, in order, and waits for the next one's time. */
        private void forwardWhenDue(Channel sender) {
            long now = System.nanoTime();
            while (!delayed.isEmpty() && delayed.peek().due - now <= 0) {
                forward(sender, delayed.poll().msg);
            }
            if (!delayed.isEmpty()) {
                sender.eventLoop()
                        .schedule(() -> forwardWhenDue(sender), delayed.peek().due - now, TimeUnit.NANOSECONDS);
            } else if (emulatorGone) {
                closeAfter(sender, 0);
            }
        }

        /** A chunk of answers held back, and when it is due (System.nanoTime). */
        private record Delayed(Object msg, long due) {}

        private static void closeAfter(Channel sender, long latencyMs) {
            sender.eventLoop()
                    .schedule(
                            () -> {
                                if (sender instanceof SocketChannel) {
                                    ((SocketChannel) sender)
                                            .shutdownOutput()
                                            .addListener(f -> sender.eventLoop()
                                                    .schedule(() -> sender.close(), 1, TimeUnit.SECONDS));
                                } else {
                                    sender.close();
                                }
                            },
                            latencyMs + 1,
                            TimeUnit.MILLISECONDS);
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
            if (healWatch != null) {
                healWatch.cancel(false);
            }
            if (resetWatch != null) {
                resetWatch.cancel(false);
            }
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
