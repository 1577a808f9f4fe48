package io.herald.fcm;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

/**
 * A fixed set of long-lived HTTP/2 connections to one HTTPS origin, each carrying many concurrent
 * requests as streams. A connection that drops is opened again on the next request that picks it.
 * Streams beyond the server's concurrency limit wait in Netty's stream-buffering encoder; the caller
 * bounds how many requests are outstanding in all.
 */
public final class Http2Connections implements AutoCloseable {
    /** A response: status, body text, and the Retry-After it asked for (ms, 0 if none). */
    public static final class Response {
        public final int status;
        public final String body;
        public final long retryAfterMs;

        Response(int status, String body, long retryAfterMs) {
            this.status = status;
            this.body = body;
            this.retryAfterMs = retryAfterMs;
        }
    }

    private final String host;
    private final int port;
    private final String authority;
    private final Bootstrap bootstrap;
    private final EventLoopGroup eventLoop;
    private final Future<Channel>[] connections;
    private final AtomicInteger next = new AtomicInteger();

    /**
     * @param origin {@code https://host[:port]}
     * @param trustedCertificates PEM certificates to trust instead of the system's, or null
     */
    public Http2Connections(URI origin, File trustedCertificates, int connections, EventLoopGroup eventLoop)
            throws SSLException {
        this.host = origin.getHost();
        this.port = origin.getPort() < 0 ? 443 : origin.getPort();
        this.authority = origin.getPort() < 0 ? host : host + ":" + port;
        SslContextBuilder ssl = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2));
        if (trustedCertificates != null) {
            ssl.trustManager(trustedCertificates);
        }
        SslContext sslContext = ssl.build();
        this.bootstrap = new Bootstrap()
                .group(eventLoop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler tls = sslContext.newHandler(ch.alloc(), host, port);
                        javax.net.ssl.SSLParameters params = tls.engine().getSSLParameters();
                        params.setEndpointIdentificationAlgorithm("HTTPS");
                        tls.engine().setSSLParameters(params);
                        ch.pipeline().addLast(tls);
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                                .encoderEnforceMaxConcurrentStreams(true)
                                .build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new SimpleChannelInboundHandler<Object>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                // the server opens no streams of its own
                            }
                        }));
                    }
                });
        this.eventLoop = eventLoop;
        @SuppressWarnings("unchecked")
        Future<Channel>[] slots = new Future[connections];
        this.connections = slots;
    }

    /** Retry-After in delta-seconds (FCM's form); an HTTP date or garbage counts as none. */
    static long retryAfterMs(String header) {
        if (header == null) {
            return 0;
        }
        try {
            return Math.min(Long.parseLong(header.trim()), 3600) * 1000;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Sends a POST with a JSON body; the future completes with the response, or with the failure. */
    public CompletableFuture<Response> post(String path, String authorization, String json) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        connection().addListener(connected -> {
            if (!connected.isSuccess()) {
                result.completeExceptionally(connected.cause());
                return;
            }
            Channel parent = (Channel) connected.getNow();
            new Http2StreamChannelBootstrap(parent).handler(new ChannelInitializer<Http2StreamChannel>() {
                @Override
                protected void initChannel(Http2StreamChannel stream) {
                    stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false));
                    stream.pipeline().addLast(new HttpObjectAggregator(1024 * 1024));
                    stream.pipeline().addLast(new SimpleChannelInboundHandler<FullHttpResponse>() {
                        @Override
                        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
                            result.complete(new Response(response.status().code(),
                                    response.content().toString(StandardCharsets.UTF_8),
                                    retryAfterMs(response.headers().get("retry-after"))));
                            ctx.close();
                        }

                        @Override
                        public void channelInactive(ChannelHandlerContext ctx) {
                            result.completeExceptionally(new java.io.IOException("stream closed without a response"));
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            result.completeExceptionally(cause);
                            ctx.close();
                        }
                    });
                }
            }).open().addListener(opened -> {
                if (!opened.isSuccess()) {
                    result.completeExceptionally(opened.cause());
                    return;
                }
                Http2StreamChannel stream = (Http2StreamChannel) opened.getNow();
                byte[] body = json.getBytes(StandardCharsets.UTF_8);
                FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
                        Unpooled.wrappedBuffer(body));
                request.headers().set(HttpHeaderNames.HOST, authority);
                request.headers().set(HttpConversionUtil.ExtensionHeaderNames.SCHEME.text(), "https");
                request.headers().set(HttpHeaderNames.AUTHORIZATION, authorization);
                request.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=UTF-8");
                request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                stream.writeAndFlush(request).addListener(written -> {
                    if (!written.isSuccess()) {
                        result.completeExceptionally(written.cause());
                    }
                });
            });
        });
        return result;
    }

    /**
     * The next connection in turn, opened (again) if it is not open. It is ready once its TLS
     * handshake is done: only then has the HTTP/2 preface gone out, and streams may follow.
     */
    private Future<Channel> connection() {
        int i = Math.floorMod(next.getAndIncrement(), connections.length);
        synchronized (connections) {
            Future<Channel> c = connections[i];
            if (c == null || (c.isDone() && (!c.isSuccess() || !c.getNow().isActive()))) {
                c = open();
                connections[i] = c;
            }
            return c;
        }
    }

    private Future<Channel> open() {
        Promise<Channel> ready = eventLoop.next().newPromise();
        ChannelFuture connect = bootstrap.connect(host, port);
        connect.addListener(connected -> {
            if (!connected.isSuccess()) {
                ready.tryFailure(connected.cause());
                return;
            }
            connect.channel().pipeline().get(SslHandler.class).handshakeFuture().addListener(handshake -> {
                if (handshake.isSuccess()) {
                    ready.trySuccess(connect.channel());
                } else {
                    ready.tryFailure(handshake.cause());
                    connect.channel().close();
                }
            });
        });
        return ready;
    }

    @Override
    public void close() {
        synchronized (connections) {
            for (Future<Channel> c : connections) {
                if (c != null && c.isSuccess()) {
                    c.getNow().close();
                }
            }
        }
    }
}
