package io.herald.http2;

import io.herald.delivery.ProviderAnswers;
import io.herald.delivery.RequestNotTaken;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpScheme;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.util.AsciiString;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * Long-lived HTTP/2 connections to one HTTPS origin, each carrying many concurrent requests as
 * streams, as many connections as the requests outstanding need and at most a set number. A server
 * takes a bounded number of concurrent streams per connection (its SETTINGS say how many: FCM's front
 * ends take 100), so when every open connection has its streams in use, the next request opens
 * another: with requests answered in 150 ms, 100 streams carry only 667 requests a second. When all
 * are open and full, a request's stream waits in Netty's stream-buffering encoder until one frees;
 * the caller bounds how many requests are outstanding in all. A connection that drops, or that the
 * server said it is closing (GOAWAY), is opened again on the next request that picks it.
 *
 * <p>A request that gets no response fails, and says what it can about why. The caller hears when
 * the whole request has gone out ({@code written}, in {@link #post(CharSequence, CharSequence,
 * String, Runnable)}); a request the server said it did not take fails with
 * {@link RequestNotTaken}: a GOAWAY whose last stream is below its own, or a REFUSED_STREAM reset
 * (RFC 9113, section 8.7). When a connection closes, Netty closes its streams at once, so their
 * requests fail then, not at the caller's time limit.
 *
 * <p>FCM posts JSON with a bearer token ({@link #post(CharSequence, CharSequence, String,
 * Runnable)}); web push posts an encrypted body with headers of its own ({@link #post(CharSequence,
 * Http2Headers, byte[], Runnable)}), one instance per push service origin; APNs broadcasts post
 * with headers of their own too, and APNs channel management sends GET and DELETE and reads a
 * success's body and headers ({@link #exchange}).
 */
public final class Http2Connections implements AutoCloseable {
    /** A response: status, body text, and the Retry-After header it came with (null if none). */
    public static final class Response {
        public final int status;
        public final String body;
        /** The Retry-After header as sent (see {@link ProviderAnswers#retryAfterMs}), or null. */
        public final String retryAfter;

        private final Http2Headers headers;

        Response(int status, String body, String retryAfter, Http2Headers headers) {
            this.status = status;
            this.body = body;
            this.retryAfter = retryAfter;
            this.headers = headers;
        }

        /** A header of the response (its first HEADERS frame), or null if it has none of that name. */
        public String header(CharSequence name) {
            CharSequence value = headers == null ? null : headers.get(name);
            return value == null ? null : value.toString();
        }
    }

    /** Set on a connection whose server sent GOAWAY: no new stream goes on it. */
    private static final AttributeKey<Boolean> GOING_AWAY = AttributeKey.valueOf("herald-http2-going-away");

    private static final AsciiString JSON_UTF8 = AsciiString.cached("application/json; charset=UTF-8");
    /** Larger answers are refused: FCM's and push services' are a few hundred bytes. */
    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    private final String host;
    private final int port;
    private final String authority;
    private final Bootstrap bootstrap;
    /**
     * Netty's own DNS client, asynchronous on the event loop (as Pushy's): the default resolves with
     * the JDK's {@code InetAddress}, which blocks the event loop, and every connection on it, for
     * as long as a lookup takes. It reads the hosts file first, then the system's name servers.
     */
    private final DnsAddressResolverGroup resolver;

    private final EventLoopGroup eventLoop;
    /** The connections opened so far, up to their most; guarded by itself. */
    private final Slot[] connections;
    /** How many of {@link #connections} are in use. */
    private int opened;

    private int next;

    /**
     * @param origin {@code https://host[:port]}
     * @param trustedCertificates PEM certificates to trust instead of the system's, or null
     * @param connections the most connections opened at once
     */
    public Http2Connections(URI origin, File trustedCertificates, int connections, EventLoopGroup eventLoop)
            throws SSLException {
        this(origin, clientTls(trustedCertificates), connections, eventLoop);
    }

    /**
     * As {@link #Http2Connections(URI, File, int, EventLoopGroup)}, with a TLS context made by
     * {@link #clientTls}: one context may serve many origins (web push opens connections to origins
     * it learns of while sending, and a context is costly to make: it reads the trust store).
     */
    public Http2Connections(URI origin, SslContext sslContext, int connections, EventLoopGroup eventLoop) {
        this.host = origin.getHost();
        this.port = origin.getPort() < 0 ? 443 : origin.getPort();
        this.authority = origin.getPort() < 0 ? host : host + ":" + port;
        this.resolver = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .channelType(NioDatagramChannel.class)
                .nameServerProvider(DnsServerAddressStreamProviders.platformDefault()));
        this.bootstrap = new Bootstrap()
                .group(eventLoop)
                .channel(NioSocketChannel.class)
                .resolver(resolver)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler tls = sslContext.newHandler(ch.alloc(), host, port);
                        SSLParameters params = tls.engine().getSSLParameters();
                        params.setEndpointIdentificationAlgorithm("HTTPS");
                        tls.engine().setSSLParameters(params);
                        ch.pipeline().addLast(tls);
                        // One TLS write for the requests flushed in one event-loop turn, not one per
                        // request (flushes were a third of the client's time); Pushy does the same.
                        ch.pipeline().addLast(new FlushConsolidationHandler(256, true));
                        ch.pipeline()
                                .addLast(Http2FrameCodecBuilder.forClient()
                                        .encoderEnforceMaxConcurrentStreams(true)
                                        .build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new SimpleChannelInboundHandler<Object>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                // the server opens no streams of its own
                            }
                        }));
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                // The connection's own frames, past the streams' (settings, pings, GOAWAY).
                                if (msg instanceof Http2GoAwayFrame) {
                                    ctx.channel().attr(GOING_AWAY).set(Boolean.TRUE);
                                }
                                ReferenceCountUtil.release(msg);
                            }
                        });
                    }
                });
        this.eventLoop = eventLoop;
        if (connections < 1) {
            throw new IllegalArgumentException("at least one connection");
        }
        this.connections = new Slot[connections];
    }

    /**
     * A client TLS context for HTTP/2 (ALPN {@code h2}) trusting {@code trustedCertificates} (PEM), or
     * the system's certificates if null.
     */
    public static SslContext clientTls(File trustedCertificates) throws SSLException {
        SslContextBuilder ssl = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2));
        if (trustedCertificates != null) {
            ssl.trustManager(trustedCertificates);
        }
        return ssl.build();
    }

    /** Sends a POST with a JSON body; the future completes with the response, or with the failure. */
    public CompletableFuture<Response> post(CharSequence path, CharSequence authorization, String json) {
        return post(path, authorization, json, null);
    }

    /**
     * Sends a POST with a JSON body; the future completes with the response, or with the failure:
     * {@link RequestNotTaken} if the server said it did not take the request.
     *
     * @param authorization the Authorization header (an {@link AsciiString} keeps its hash for HPACK)
     * @param written run (on the connection's event loop) once the whole request has gone out, or null
     */
    public CompletableFuture<Response> post(
            CharSequence path, CharSequence authorization, String json, Runnable written) {
        Http2Headers headers = new DefaultHttp2Headers()
                .set(HttpHeaderNames.AUTHORIZATION, authorization)
                .set(HttpHeaderNames.CONTENT_TYPE, JSON_UTF8);
        return send(HttpMethod.POST, path, headers, alloc -> ByteBufUtil.writeUtf8(alloc, json), false, written);
    }

    /**
     * Sends a POST with the request's own headers and a body of bytes, as
     * {@link #post(CharSequence, CharSequence, String, Runnable)} does a JSON one.
     *
     * @param headers the request's headers past the pseudo-headers (Authorization, Content-Type, and
     *     any others), names in lower case as HTTP/2 writes them. Taken, not copied: the pseudo-headers
     *     are added to it, so it is not to be used again
     * @param body the whole body, sent as it is (not copied, not to be changed after)
     * @param written run (on the connection's event loop) once the whole request has gone out, or null
     */
    public CompletableFuture<Response> post(CharSequence path, Http2Headers headers, byte[] body, Runnable written) {
        return send(HttpMethod.POST, path, headers, alloc -> Unpooled.wrappedBuffer(body), false, written);
    }

    /**
     * Sends a request of any method, as {@link #post(CharSequence, Http2Headers, byte[], Runnable)}
     * does a POST, and reads the body of a success too (a management API answers a GET with one).
     *
     * @param body the whole body, or null for a request without one (its HEADERS end the stream)
     */
    public CompletableFuture<Response> exchange(
            HttpMethod method, CharSequence path, Http2Headers headers, byte[] body, Runnable written) {
        return send(method, path, headers, body == null ? null : alloc -> Unpooled.wrappedBuffer(body), true, written);
    }

    /** The body of a request, made on the connection's event loop when its stream is open. */
    @FunctionalInterface
    private interface Body {
        ByteBuf write(ByteBufAllocator alloc);
    }

    private CompletableFuture<Response> send(
            HttpMethod method,
            CharSequence path,
            Http2Headers headers,
            Body body,
            boolean readSuccessBody,
            Runnable written) {
        CompletableFuture<Response> result = new CompletableFuture<>();
        Slot slot = connection();
        result.whenComplete((response, failure) -> slot.outstanding.decrementAndGet());
        slot.channel.addListener(connected -> {
            if (!connected.isSuccess()) {
                result.completeExceptionally(connected.cause());
                return;
            }
            Exchange exchange = new Exchange(result, readSuccessBody);
            new Http2StreamChannelBootstrap((Channel) connected.getNow())
                    .handler(exchange)
                    .open()
                    .addListener(opened -> {
                        if (!opened.isSuccess()) {
                            result.completeExceptionally(opened.cause());
                            return;
                        }
                        Http2StreamChannel stream = (Http2StreamChannel) opened.getNow();
                        headers.method(method.asciiName())
                                .scheme(HttpScheme.HTTPS.name())
                                .authority(authority)
                                .path(path);
                        ChannelFuture last = body == null
                                ? stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true))
                                : stream.write(new DefaultHttp2HeadersFrame(headers, false));
                        if (body != null) {
                            last = stream.writeAndFlush(new DefaultHttp2DataFrame(body.write(stream.alloc()), true));
                        }
                        last.addListener(sent -> {
                            if (sent.isSuccess()) {
                                exchange.written = true;
                                if (written != null) {
                                    written.run();
                                }
                            } else {
                                exchange.fail(stream, sent.cause());
                            }
                        });
                    });
        });
        return result;
    }

    /**
     * One request's stream, read frame by frame: the response's status and Retry-After from its
     * headers, its body from the data frames: no HTTP/1 conversion and no aggregator per stream (with
     * them, the FCM event loops took 44% of the job's CPU in a profile). It also keeps what is known
     * of a request left without a response: whether it went out whole, and whether the server said
     * it did not take it. Everything here runs on the connection's event loop.
     */
    private static final class Exchange extends ChannelInboundHandlerAdapter {
        private final CompletableFuture<Response> result;
        /** Whether a success's body is read too: FCM's and push services' are not needed. */
        private final boolean readSuccessBody;

        private int status;
        private String retryAfter;
        private Http2Headers responseHeaders;
        private ByteBuf body;
        private boolean skipBody;
        /** The whole request went out. */
        boolean written;
        /** Why the server did not take the request (GOAWAY, REFUSED_STREAM), or null. */
        private String notTaken;

        Exchange(CompletableFuture<Response> result, boolean readSuccessBody) {
            this.result = result;
            this.readSuccessBody = readSuccessBody;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame) {
                    Http2HeadersFrame frame = (Http2HeadersFrame) msg;
                    if (status == 0) {
                        CharSequence code = frame.headers().status();
                        status = code == null ? 0 : AsciiString.of(code).parseInt();
                        // A success's body (the message's name) is not read unless asked for: errors are.
                        skipBody = !readSuccessBody && status >= 200 && status < 300;
                        CharSequence header = frame.headers().get(HttpHeaderNames.RETRY_AFTER);
                        retryAfter = header == null ? null : header.toString();
                        responseHeaders = frame.headers();
                        if (status >= 100 && status < 200) {
                            status = 0; // informational: the real headers follow
                        }
                    }
                    if (frame.isEndStream()) {
                        finish(ctx);
                    }
                } else if (msg instanceof Http2DataFrame) {
                    Http2DataFrame frame = (Http2DataFrame) msg;
                    if (skipBody) {
                        if (frame.isEndStream()) {
                            finish(ctx);
                        }
                        return;
                    }
                    if (body == null) {
                        body = ctx.alloc().heapBuffer(Math.max(frame.content().readableBytes(), 64));
                    }
                    if (body.readableBytes() + frame.content().readableBytes() > MAX_RESPONSE_BYTES) {
                        fail(ctx.channel(), new IOException("response over " + MAX_RESPONSE_BYTES + " bytes"));
                        return;
                    }
                    body.writeBytes(frame.content());
                    if (frame.isEndStream()) {
                        finish(ctx);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void finish(ChannelHandlerContext ctx) {
            String text = body == null ? "" : body.toString(StandardCharsets.UTF_8);
            release();
            if (status == 0) {
                result.completeExceptionally(new IOException("response without a status"));
            } else {
                result.complete(new Response(status, text, retryAfter, responseHeaders));
            }
            ctx.close();
        }

        void fail(Channel stream, Throwable cause) {
            release();
            result.completeExceptionally(notTaken == null ? cause : new RequestNotTaken(notTaken, cause));
            stream.close();
        }

        private void release() {
            if (body != null) {
                body.release();
                body = null;
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            release();
            // Every stream closes after its response: an exception (and its stack trace) only for one
            // that closed without (2% of the FCM client's event loops when made for every stream).
            if (!result.isDone()) {
                result.completeExceptionally(
                        notTaken != null
                                ? new RequestNotTaken(notTaken)
                                : new IOException(
                                        written
                                                ? "stream closed without a response"
                                                : "stream closed before the request went out"));
            }
        }

        /**
         * The server's word on this stream before it closes: a GOAWAY (only streams above its last
         * stream hear of it) or a reset. Either of these two means the request was not taken.
         */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            try {
                if (evt instanceof Http2GoAwayFrame) {
                    // Only the streams above the GOAWAY's last stream hear of it.
                    notTaken = "the server went away (GOAWAY) before taking stream "
                            + ((Http2StreamChannel) ctx.channel()).stream().id();
                } else if (evt instanceof Http2ResetFrame
                        && ((Http2ResetFrame) evt).errorCode() == Http2Error.REFUSED_STREAM.code()) {
                    notTaken = "the server refused its stream (REFUSED_STREAM)";
                }
            } finally {
                ReferenceCountUtil.release(evt);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(ctx.channel(), cause);
        }
    }

    /**
     * The connection for the next request, which counts as outstanding on it from now on: the next
     * in turn with a stream free; if every one is full, a new one while there may be more; if there
     * may not, the next in turn (its stream waits for one to free). A connection that is closed, or
     * going away, is opened again. It is ready once its TLS handshake is done: only then has the
     * HTTP/2 preface gone out, and streams may follow.
     */
    private Slot connection() {
        synchronized (connections) {
            Slot chosen = null;
            for (int k = 0; k < opened && chosen == null; k++) {
                Slot s = connections[(next + k) % opened];
                if (s.unusable()) {
                    s.channel = open();
                }
                if (s.hasFreeStream()) {
                    chosen = s;
                }
            }
            if (chosen == null && opened < connections.length) {
                chosen = new Slot(open());
                connections[opened++] = chosen;
            }
            if (chosen == null) {
                chosen = connections[next % opened];
            }
            next = opened == 0 ? 0 : (next + 1) % opened;
            chosen.outstanding.incrementAndGet();
            return chosen;
        }
    }

    /** How many connections are open or opening. */
    public int opened() {
        synchronized (connections) {
            return opened;
        }
    }

    /** One connection and the requests outstanding on it (its streams, open or waiting to open). */
    private static final class Slot {
        /**
         * Streams a connection is taken to have before its server's SETTINGS say otherwise: the
         * least RFC 9113 recommends, and what FCM's front ends advertise.
         */
        static final int ASSUMED_STREAMS = 100;

        Future<Channel> channel;
        final AtomicInteger outstanding = new AtomicInteger();
        /** The connection's HTTP/2 codec, looked up once it is open (every request asks it). */
        private Http2FrameCodec codec;

        private Channel codecOf;

        Slot(Future<Channel> channel) {
            this.channel = channel;
        }

        boolean unusable() {
            return channel.isDone()
                    && (!channel.isSuccess()
                            || !channel.getNow().isActive()
                            || channel.getNow().attr(GOING_AWAY).get() != null);
        }

        /**
         * Whether one more request gets a stream at once. The server's limit is read off its
         * connection's HTTP/2 state on another thread: a stale value only makes a request wait in
         * the buffering encoder, or open a connection a moment early.
         */
        boolean hasFreeStream() {
            int streams = ASSUMED_STREAMS;
            if (channel.isSuccess()) {
                if (codecOf != channel.getNow()) {
                    codecOf = channel.getNow();
                    codec = codecOf.pipeline().get(Http2FrameCodec.class);
                }
                int advertised = codec == null
                        ? Integer.MAX_VALUE
                        : codec.connection().local().maxActiveStreams();
                if (advertised != Integer.MAX_VALUE) { // MAX_VALUE: no SETTINGS yet, or no limit in them
                    streams = advertised;
                }
            }
            return outstanding.get() < streams;
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
            for (int i = 0; i < opened; i++) {
                Future<Channel> c = connections[i].channel;
                if (c.isSuccess()) {
                    c.getNow().close();
                }
            }
        }
        resolver.close();
    }
}
