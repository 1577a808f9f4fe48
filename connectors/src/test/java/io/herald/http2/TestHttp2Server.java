package io.herald.http2;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.ReferenceCountUtil;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/2 server over TLS for the tests, on 127.0.0.1 and a free port, with the certificate in
 * {@code /http2-tls} (valid for localhost and 127.0.0.1, signed by its {@code ca.pem}). It reads
 * each request whole (headers and body), keeps it in {@link #received()}, and hands it to the test's
 * {@link Handler}, which answers it ({@link #respond}) or does something worse to it.
 */
public final class TestHttp2Server implements AutoCloseable {
    /** One request as the server read it, and the connection it came on. */
    public record Request(Http2Headers headers, byte[] body, Channel connection) {
        /** A header's value, or null. */
        public String header(String name) {
            CharSequence value = headers.get(name);
            return value == null ? null : value.toString();
        }

        /** The body as UTF-8 text. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** What the server does with a whole request, on its stream's event loop. */
    @FunctionalInterface
    public interface Handler {
        void handle(ChannelHandlerContext stream, Request request);
    }

    private final Channel server;
    private final Queue<Request> received = new ConcurrentLinkedQueue<>();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger closedConnections = new AtomicInteger();

    private TestHttp2Server(EventLoopGroup group, Integer maxConcurrentStreams, Handler handler) throws Exception {
        SslContext ssl = SslContextBuilder.forServer(resource("server.pem"), resource("server-key.pem"))
                .sslProvider(SslProvider.JDK)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2))
                .build();
        Http2Settings settings = Http2Settings.defaultSettings();
        if (maxConcurrentStreams != null) {
            settings.maxConcurrentStreams(maxConcurrentStreams);
        }
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        ch.closeFuture().addListener(closed -> closedConnections.incrementAndGet());
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        ch.pipeline()
                                .addLast(Http2FrameCodecBuilder.forServer()
                                        .initialSettings(settings)
                                        .build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel stream) {
                                stream.pipeline().addLast(new Reader(handler));
                            }
                        }));
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    /**
     * Starts a server on {@code group}.
     *
     * @param maxConcurrentStreams the streams its SETTINGS allow per connection, or null for Netty's default
     */
    public static TestHttp2Server start(EventLoopGroup group, Integer maxConcurrentStreams, Handler handler)
            throws Exception {
        return new TestHttp2Server(group, maxConcurrentStreams, handler);
    }

    /** A file of {@code /http2-tls}: {@code ca.pem} is what a client trusts. */
    public static File resource(String name) throws Exception {
        return new File(TestHttp2Server.class.getResource("/http2-tls/" + name).toURI());
    }

    /** The certificate a client trusts to reach this server. */
    public static File trustedCertificates() throws Exception {
        return resource("ca.pem");
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** {@code https://<host>:<port>}. */
    public URI origin(String host) {
        return URI.create("https://" + host + ":" + port());
    }

    /** The requests read so far, in order. */
    public Queue<Request> received() {
        return received;
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Connections closed so far. */
    public int closedConnections() {
        return closedConnections.get();
    }

    /** Answers a request: {@code status}, {@code headers} (may be empty), and {@code body} if not null. */
    public static void respond(ChannelHandlerContext stream, int status, Map<String, String> headers, String body) {
        Http2Headers response = new DefaultHttp2Headers().status(Integer.toString(status));
        headers.forEach(response::set);
        if (body == null) {
            stream.writeAndFlush(new DefaultHttp2HeadersFrame(response, true));
        } else {
            stream.write(new DefaultHttp2HeadersFrame(response, false));
            stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8), true));
        }
    }

    @Override
    public void close() throws Exception {
        server.close().sync();
    }

    /** One stream: reads the request whole, keeps it, hands it on. */
    private final class Reader extends ChannelInboundHandlerAdapter {
        private final Handler handler;
        private Http2Headers headers;
        private ByteBuf body;

        Reader(Handler handler) {
            this.handler = handler;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean whole;
            try {
                if (msg instanceof Http2HeadersFrame frame) {
                    headers = frame.headers();
                    whole = frame.isEndStream();
                } else if (msg instanceof Http2DataFrame frame) {
                    if (body == null) {
                        body = ctx.alloc().heapBuffer();
                    }
                    body.writeBytes(frame.content());
                    whole = frame.isEndStream();
                } else {
                    whole = false;
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
            if (!whole) {
                return;
            }
            byte[] bytes = body == null ? new byte[0] : ByteBufUtil.getBytes(body);
            if (body != null) {
                body.release();
                body = null;
            }
            Request request = new Request(headers, bytes, ctx.channel().parent());
            received.add(request);
            handler.handle(ctx, request);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            if (body != null) {
                body.release();
                body = null;
            }
            super.channelInactive(ctx);
        }
    }
}
