package io.herald.sandbox;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.File;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;

/**
 * The server the sandbox's HTTP/2 provider emulators (FCM, web push) share: TLS with ALPN h2 on
 * 127.0.0.1 and a free port, each stream decoded to one aggregated HTTP request for the emulator's
 * handler. Each connection, once it speaks HTTP/2, can be closed as a provider closes one (GOAWAY,
 * then the close) by the {@link FaultyLink} in front.
 */
final class Http2TlsServer {
    /** Larger than any body an emulator takes, so that an oversized one reaches its handler to be refused. */
    private static final int MAX_REQUEST_BYTES = 64 * 1024;

    private Http2TlsServer() {}

    /** A TLS context for HTTP/2 from the sandbox's certificate and key. */
    static SslContext tls(File certificate, File privateKey) throws SSLException {
        return SslContextBuilder.forServer(certificate, privateKey)
                .sslProvider(SslProvider.JDK)
                .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2))
                .build();
    }

    /**
     * Binds the server; {@code handlers} adds the emulator's handler to each stream's pipeline, after
     * the codec and the aggregator.
     */
    static Channel bind(EventLoopGroup group, SslContext ssl, int streamsPerConnection, Consumer<Channel> handlers)
            throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SslHandler tls = ssl.newHandler(ch.alloc());
                        tls.handshakeFuture().addListener(f -> {
                            if (f.isSuccess()) {
                                GoingAway.register(ch);
                                ConnectionWindow.widen(ch);
                            }
                        });
                        ch.pipeline().addLast(tls);
                        // Answers written while reading go out in one TLS write, not one each (Pushy's
                        // client does the same for its requests).
                        ch.pipeline().addLast(new FlushConsolidationHandler(256, true));
                        ch.pipeline()
                                .addLast(Http2FrameCodecBuilder.forServer()
                                        .initialSettings(Http2Settings.defaultSettings()
                                                .maxConcurrentStreams(streamsPerConnection))
                                        .build());
                        ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel stream) {
                                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true));
                                stream.pipeline().addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES));
                                handlers.accept(stream);
                            }
                        }));
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }
}
