package io.herald.apns;

import static org.assertj.core.api.Assertions.assertThat;

import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import io.herald.delivery.Attempt;
import io.herald.delivery.Provider;
import io.herald.http2.TestHttp2Server;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Live Activity push to a token goes through Pushy, as APNs asks it (push type
 * {@code liveactivity}, the topic {@code <bundle id>.push-type.liveactivity}), seen at Pushy's
 * MockApnsServer; other pushes keep their push type and the bare bundle id.
 */
class ApnsLiveActivityPushTest {
    @TempDir
    Path dir;

    /** A request's headers and body, as the server read them. */
    private record Pushed(Http2Headers headers, String payload) {
        String header(String name) {
            CharSequence value = headers.get(name);
            return value == null ? null : value.toString();
        }
    }

    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    private final Queue<Pushed> pushed = new ConcurrentLinkedQueue<>();
    private MockApnsServer apns;
    private Provider.Session session;

    @BeforeEach
    void start() throws Exception {
        apns = new MockApnsServerBuilder()
                .setServerCredentials(
                        TestHttp2Server.resource("server.pem"), TestHttp2Server.resource("server-key.pem"), null)
                .setEventLoopGroup(group)
                .setHandlerFactory(ssl ->
                        (headers, payload) -> pushed.add(new Pushed(headers, payload.toString(StandardCharsets.UTF_8))))
                .build();
        int port = (Integer) apns.start(0).get(10, TimeUnit.SECONDS);
        ApnsApp app = TestApnsKey.create(dir).app();
        app.host = "127.0.0.1";
        app.port = port;
        session = new ApnsProvider(List.of(app), 1).connect(group, 1);
    }

    @AfterEach
    void stop() throws Exception {
        session.close();
        apns.shutdown().get(10, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private static SendRequest request(String token) {
        SendRequest r = new SendRequest();
        r.notificationId = "c1/d1";
        r.appId = "ios-app";
        r.platform = Platform.IOS;
        r.token = token;
        r.payload = "{\"aps\":{\"timestamp\":1700000000,\"event\":\"update\",\"content-state\":{}}}";
        r.firedAt = System.currentTimeMillis();
        return r;
    }

    @Test
    void aLiveActivityPushHasItsPushTypeAndTopic_otherPushesKeepTheirs() throws Exception {
        SendRequest live = request("aa11bb22");
        live.liveActivity = true;
        assertThat(session.send(new Attempt(live, 1)).get(10, TimeUnit.SECONDS).receipt.outcome)
                .isEqualTo(Outcome.DELIVERED);
        SendRequest alert = request("cc33dd44");
        assertThat(session.send(new Attempt(alert, 1)).get(10, TimeUnit.SECONDS).receipt.outcome)
                .isEqualTo(Outcome.DELIVERED);

        assertThat(pushed).hasSize(2);
        Pushed first = pushed.poll();
        assertThat(first.header(":path")).isEqualTo("/3/device/aa11bb22");
        assertThat(first.header("apns-push-type")).isEqualTo("liveactivity");
        assertThat(first.header("apns-topic")).isEqualTo(TestApnsKey.BUNDLE + ".push-type.liveactivity");
        assertThat(first.payload()).isEqualTo(live.payload);
        Pushed second = pushed.poll();
        assertThat(second.header("apns-push-type")).isEqualTo("alert");
        assertThat(second.header("apns-topic")).isEqualTo(TestApnsKey.BUNDLE);
    }
}
