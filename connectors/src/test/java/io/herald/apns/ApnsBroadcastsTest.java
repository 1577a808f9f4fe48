package io.herald.apns;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.delivery.Attempt;
import io.herald.delivery.Provider;
import io.herald.delivery.ProviderReply;
import io.herald.http2.TestHttp2Server;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.AsciiString;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broadcast through ApnsProvider's session, against a server in the test (HTTP/2 over TLS): one
 * request to the channel as APNs documents it, its answers read with the broadcast table; and the
 * provider token's reuse and renewal.
 */
class ApnsBroadcastsTest {
    @TempDir
    Path dir;

    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    /** What the server answers: status, headers, body (or null). */
    private volatile Object[] answer = {200, Map.of(), null};

    private TestHttp2Server server;
    private TestApnsKey key;
    private Provider.Session session;

    @BeforeEach
    @SuppressWarnings("unchecked")
    void start() throws Exception {
        server = TestHttp2Server.start(group, null, (stream, request) -> {
            Object[] a = answer;
            TestHttp2Server.respond(stream, (Integer) a[0], (Map<String, String>) a[1], (String) a[2]);
        });
        key = TestApnsKey.create(dir);
        ApnsApp app = key.app();
        // No broadcastHost: broadcasts go where pushes go, as at APNs (Pushy connects only to send).
        app.host = "127.0.0.1";
        app.port = server.port();
        session = new ApnsProvider(List.of(app), 1).connect(group, 1);
    }

    @AfterEach
    void stop() throws Exception {
        session.close();
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private static SendRequest broadcast() {
        SendRequest r = new SendRequest();
        r.notificationId = "c1/channel";
        r.campaignId = "c1";
        r.appId = "ios-app";
        r.platform = Platform.IOS;
        r.channelId = "dHN/RUM1TjFBNFpyeGRwMzJzYVlBVWtKMGE=";
        r.liveActivity = true;
        r.priority = 5;
        r.payload = "{\"aps\":{\"timestamp\":1700000000,\"event\":\"update\",\"content-state\":{\"score\":\"2-1\"}}}";
        r.firedAt = System.currentTimeMillis();
        return r;
    }

    @Test
    void aBroadcastIsOneRequestToTheChannel_asApnsDocumentsIt() throws Exception {
        SendRequest request = broadcast();
        request.expiresAt = 1_700_000_600_000L;
        Attempt attempt = new Attempt(request, 1);

        ProviderReply reply = session.send(attempt).get(10, TimeUnit.SECONDS);

        assertThat(reply.receipt.outcome).isEqualTo(Outcome.DELIVERED);
        assertThat(attempt.isWritten())
                .as("the session said the request went out")
                .isTrue();
        assertThat(server.received()).hasSize(1);
        TestHttp2Server.Request r = server.received().peek();
        assertThat(r.header(":method")).isEqualTo("POST");
        assertThat(r.header(":path")).isEqualTo("/4/broadcasts/apps/" + TestApnsKey.BUNDLE);
        assertThat(r.header("apns-channel-id")).isEqualTo(request.channelId);
        assertThat(r.header("apns-push-type")).isEqualTo("liveactivity");
        assertThat(r.header("apns-priority")).isEqualTo("5");
        assertThat(r.header("apns-expiration")).isEqualTo("1700000600");
        assertThat(r.header("apns-topic")).as("the path names the app").isNull();
        assertThat(r.text()).isEqualTo(request.payload);
        key.assertSigned(r.header("authorization"));

        request.expiresAt = null;
        session.send(new Attempt(request, 1)).get(10, TimeUnit.SECONDS);
        assertThat(server.received().toArray(TestHttp2Server.Request[]::new)[1].header("apns-expiration"))
                .as("no expiry: delivered once, never stored")
                .isEqualTo("0");
    }

    @Test
    void answersAreReadWithTheBroadcastTable() throws Exception {
        record Expected(int status, String reason, String retryAfter, Outcome outcome, boolean credentials) {}
        for (Expected e : List.of(
                new Expected(200, null, null, Outcome.DELIVERED, false),
                new Expected(400, "BadChannelId", null, Outcome.REJECTED, false),
                new Expected(400, "MissingChannelId", null, Outcome.REJECTED, false),
                new Expected(404, "ChannelNotRegistered", null, Outcome.REJECTED, false),
                new Expected(410, "ChannelNotRegistered", null, Outcome.REJECTED, false),
                new Expected(403, "FeatureNotEnabled", null, Outcome.REJECTED, false),
                new Expected(403, "InvalidProviderToken", null, Outcome.REJECTED, true),
                new Expected(403, "ExpiredProviderToken", null, Outcome.REJECTED, true),
                new Expected(429, "TooManyRequests", "3", Outcome.FAILED, false),
                new Expected(503, "ServiceUnavailable", null, Outcome.FAILED, false))) {
            Map<String, String> headers = new HashMap<>();
            if (e.retryAfter != null) {
                headers.put("retry-after", e.retryAfter);
            }
            answer = new Object[] {e.status, headers, e.reason == null ? null : "{\"reason\":\"" + e.reason + "\"}"};
            ProviderReply reply = session.send(new Attempt(broadcast(), 1)).get(10, TimeUnit.SECONDS);
            String what = e.status + " " + e.reason;
            assertThat(reply.receipt.outcome).as(what).isEqualTo(e.outcome);
            assertThat(reply.receipt.outcome).as("no token, none dead: " + what).isNotEqualTo(Outcome.TOKEN_DEAD);
            assertThat(reply.receipt.reason).as(what).isEqualTo(e.reason);
            assertThat(reply.receipt.providerStatus).as(what).isEqualTo(e.status);
            assertThat(reply.credentialsRefused).as(what).isEqualTo(e.credentials);
            assertThat(reply.retryAfterMs).as(what).isEqualTo(e.retryAfter == null ? 0 : 3_000);
        }
    }

    /** A clock the test moves. */
    private static final class TestClock extends Clock {
        Instant now = Instant.parse("2025-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void theProviderTokenIsReusedUntilFiftyMinutesOld_andSaysNothingOfItselfInToString() throws Exception {
        TestClock clock = new TestClock();
        ApnsProviderToken token = new ApnsProviderToken(key.app().signingKey(), clock);
        AsciiString first = token.authorization();
        clock.now = clock.now.plus(Duration.ofMinutes(49));
        assertThat((Object) token.authorization()).isSameAs(first);
        clock.now = clock.now.plus(Duration.ofMinutes(1));
        AsciiString renewed = token.authorization();
        assertThat(renewed.toString()).isNotEqualTo(first.toString());
        assertThat(token.toString())
                .doesNotContain(first.toString().substring("bearer ".length()))
                .doesNotContain(renewed.toString().substring("bearer ".length()))
                .contains(TestApnsKey.KEY_ID);
    }
}
