package io.herald.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The emulators give a sender's connection the flow-control window a provider's front end gives,
 * not HTTP/2's starting 64 KiB: read from the sender's side, as the window it may send into.
 */
class ConnectionWindowTest {
    @TempDir
    Path dir;

    @Test
    void theFcmEmulatorWidensEachConnectionsWindow() throws Exception {
        try (FcmEmulator fcm = FcmEmulator.start(
                resource("server.pem"), resource("server-key.pem"), "project", "token", new TokenRegistry())) {
            assertThat(windowSeenBySender(fcm.port())).isEqualTo(ConnectionWindow.BYTES);
        }
    }

    @Test
    void theApnsEmulatorWidensEachConnectionsWindow() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        ECPublicKey key = (ECPublicKey) ec.generateKeyPair().getPublic();
        try (ApnsEmulator apns = ApnsEmulator.start(
                resource("server.pem"), resource("server-key.pem"), "app", "TEAM", "KEY", key, new TokenRegistry())) {
            assertThat(windowSeenBySender(apns.port())).isEqualTo(ConnectionWindow.BYTES);
        }
    }

    /** Connects as a sender does (TLS, ALPN h2) and reads the connection window it may send into, once widened. */
    private int windowSeenBySender(int port) throws Exception {
        SslContext tls = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .trustManager(resource("ca.pem"))
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2))
                .build();
        Http2FrameCodec http2 = Http2FrameCodecBuilder.forClient().build();
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try {
            Channel channel = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), "localhost", port));
                            ch.pipeline().addLast(http2);
                            ch.pipeline().addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                        }
                    })
                    .connect("127.0.0.1", port)
                    .sync()
                    .channel();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            int window;
            do {
                TimeUnit.MILLISECONDS.sleep(10);
                window = channel.eventLoop()
                        .submit(() -> http2.connection()
                                .remote()
                                .flowController()
                                .windowSize(http2.connection().connectionStream()))
                        .get();
            } while (window < ConnectionWindow.BYTES && System.nanoTime() < deadline);
            channel.close().sync();
            return window;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private File resource(String name) throws Exception {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            try (InputStream in = getClass().getResourceAsStream("/sandbox-tls/" + name)) {
                Files.copy(in, file);
            }
        }
        return file.toFile();
    }
}
