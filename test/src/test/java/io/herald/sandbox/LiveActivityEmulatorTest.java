package io.herald.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.auth.AuthenticationToken;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The APNs emulator's Live Activity side, from a sender's side: starts, updates and ends through
 * Pushy's ApnsClient to the MockApnsServer, channel management and broadcasts through the JDK's
 * HTTP/2 client over TLS (trusting the sandbox CA), with provider tokens signed by the app's key;
 * what is answered, and what each device's activity is counted as having received.
 */
class LiveActivityEmulatorTest {
    private static final String BUNDLE = "io.herald.demo";
    private static final String TOPIC = BUNDLE + ApnsEmulator.LIVE_ACTIVITY_TOPIC_SUFFIX;
    private static final String TEAM = "HERALDTEAM";
    private static final String KEY_ID = "HERALDKEY1";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path dir;

    private static LiveActivityLog log;
    private static ApnsEmulator apns;
    private static ApnsChannelService channels;
    private static ApnsClient pushy;
    private static HttpClient http;
    private static ApnsSigningKey signingKey;
    private static ApnsSigningKey otherKey;

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair app = ec.generateKeyPair();
        signingKey = new ApnsSigningKey(KEY_ID, TEAM, (ECPrivateKey) app.getPrivate());
        otherKey = new ApnsSigningKey(
                KEY_ID, TEAM, (ECPrivateKey) ec.generateKeyPair().getPrivate());
        apns = ApnsEmulator.start(
                resource("server.pem").toFile(),
                resource("server-key.pem").toFile(),
                BUNDLE,
                TEAM,
                KEY_ID,
                (ECPublicKey) app.getPublic(),
                new TokenRegistry());
        log = apns.liveActivities();
        channels = apns.channels();
        pushy = new ApnsClientBuilder()
                .setSigningKey(signingKey)
                .setApnsServer("127.0.0.1", apns.port())
                .setTrustedServerCertificateChain(resource("ca.pem").toFile())
                .build();
        http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(SandboxTestTls.trustingSandboxCa(dir))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        pushy.close().get(10, TimeUnit.SECONDS);
        apns.close();
    }

    @Test
    void channelsAreCreatedListedReadAndDeleted() throws Exception {
        HttpResponse<String> created =
                manage("POST", "/channels", null, "{\"message-storage-policy\":1,\"push-type\":\"LiveActivity\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.version()).isEqualTo(HttpClient.Version.HTTP_2);
        String id = created.headers().firstValue("apns-channel-id").orElseThrow();
        assertThat(Base64.getDecoder().decode(id)).hasSize(16);
        String second = createChannel();
        assertThat(second).isNotEqualTo(id);

        HttpResponse<String> all = manage("GET", "/all-channels", null, null);
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(ids(JSON.readTree(all.body()).get("channels"))).contains(id, second);

        HttpResponse<String> read = manage("GET", "/channels", id, null);
        assertThat(read.statusCode()).isEqualTo(200);
        JsonNode settings = JSON.readTree(read.body());
        assertThat(settings.get("message-storage-policy").asInt()).isEqualTo(1);
        assertThat(settings.get("push-type").asText()).isEqualTo("LiveActivity");

        assertThat(manage("DELETE", "/channels", id, null).statusCode()).isEqualTo(204);
        assertRefused(manage("GET", "/channels", id, null), 404, "ChannelNotRegistered");
        assertRefused(manage("DELETE", "/channels", id, null), 404, "ChannelNotRegistered");
        List<String> left = ids(
                JSON.readTree(manage("GET", "/all-channels", null, null).body()).get("channels"));
        assertThat(left).contains(second).doesNotContain(id);
        assertThat(channels.channels()).doesNotContain(id);
    }

    @Test
    void malformedAndUnknownChannelsAreRefusedAsApnsRefusesThem() throws Exception {
        assertRefused(manage("GET", "/channels", null, null), 400, "MissingChannelId");
        assertRefused(manage("GET", "/channels", "not base64!", null), 400, "BadChannelId");
        assertRefused(
                manage("POST", "/channels", null, "{\"message-storage-policy\":2,\"push-type\":\"LiveActivity\"}"),
                400,
                "BadMessageStoragePolicy");
        assertRefused(
                manage("POST", "/channels", null, "{\"message-storage-policy\":0,\"push-type\":\"alert\"}"),
                400,
                "InvalidPushType");
        String unknown = Base64.getEncoder().encodeToString(new byte[16]);
        assertRefused(broadcast(unknown, update(1, 1), bearer(signingKey)), 400, "ChannelNotRegistered");
        // Management and broadcasts are apart, as on APNs: neither serves the other's paths.
        HttpResponse<String> wrongServer =
                send(request(channels.broadcastPort(), "/1/apps/" + BUNDLE + "/all-channels", bearer(signingKey))
                        .GET()
                        .build());
        assertRefused(wrongServer, 404, "BadPath");
    }

    @Test
    void requestsWithoutAValidProviderTokenAreRefused() throws Exception {
        int before = channels.channels().size();
        String body = "{\"message-storage-policy\":0,\"push-type\":\"LiveActivity\"}";
        assertRefused(
                send(request(channels.channelsPort(), "/1/apps/" + BUNDLE + "/channels", null)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build()),
                403,
                "MissingProviderToken");
        assertRefused(
                send(request(channels.channelsPort(), "/1/apps/" + BUNDLE + "/channels", bearer(otherKey))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build()),
                403,
                "InvalidProviderToken");
        assertRefused(
                send(request(channels.channelsPort(), "/1/apps/" + BUNDLE + "/all-channels", "bearer x.y.z")
                        .GET()
                        .build()),
                403,
                "InvalidProviderToken");
        String expired = new AuthenticationToken(signingKey, Instant.now().minus(Duration.ofHours(2)))
                .getAuthorizationHeader()
                .toString();
        assertRefused(
                send(request(channels.channelsPort(), "/1/apps/" + BUNDLE + "/all-channels", expired)
                        .GET()
                        .build()),
                403,
                "ExpiredProviderToken");
        assertThat(channels.channels()).hasSize(before);

        String channel = createChannel();
        String activity = newActivity();
        List<String> devices = startOnChannel(activity, channel, 1);
        assertRefused(broadcast(channel, update(1, 1), null), 403, "MissingProviderToken");
        assertRefused(broadcast(channel, update(1, 1), bearer(otherKey)), 403, "InvalidProviderToken");
        Thread.sleep(200);
        assertThat(log.received(devices.get(0), activity).updates()).isZero();
    }

    @Test
    void aBroadcastReachesExactlyTheSubscribedDevicesOnceEach() throws Exception {
        String activity = newActivity();
        String channel = createChannel();
        List<String> subscribed = startOnChannel(activity, channel, 3);
        String startedElsewhere = liveToken();
        assertThat(push(startedElsewhere, start(activity, null)).isAccepted()).isTrue();
        String otherChannel = createChannel();
        List<String> onOtherChannel = startOnChannel(activity, otherChannel, 1);
        assertThat(log.subscribers(channel)).isEqualTo(3);
        // Live Activity pushes are not alerts: the token registry's counts are untouched by them.
        assertThat(apns.tokens().received(subscribed.get(0))).isZero();

        long before = System.currentTimeMillis();
        HttpResponse<String> answer = broadcast(channel, update(100, 1), bearer(signingKey));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.headers().firstValue("apns-request-id")).isPresent();
        awaitBroadcasts(channel, 1);

        for (String device : subscribed) {
            assertThat(log.received(device, activity)).isEqualTo(new LiveActivityLog.Received(1, 1, 1, 0));
        }
        assertThat(log.received(startedElsewhere, activity)).isEqualTo(new LiveActivityLog.Received(1, 0, 0, 0));
        assertThat(log.received(onOtherChannel.get(0), activity).updates()).isZero();
        LiveActivityLog.Summary summary = log.summary(activity);
        assertThat(summary.devicesStarted()).isEqualTo(5);
        assertThat(summary.devicesWithUpdates(1)).isEqualTo(3);
        assertThat(summary.devicesWithUpdates(0)).isEqualTo(2);
        assertThat(summary.duplicateUpdates()).isZero();
        assertThat(summary.broadcasts()).hasSize(1);
        LiveActivityLog.Broadcast b = summary.broadcasts().get(0);
        assertThat(b.channelId()).isEqualTo(channel);
        assertThat(b.event()).isEqualTo(LiveActivityLog.Event.UPDATE);
        assertThat(b.apsTimestamp()).isEqualTo(100);
        assertThat(b.devicesReached()).isEqualTo(3);
        assertThat(b.devicesByActivity()).containsEntry(activity, 3);
        assertThat(b.lastReachedAtMillis()).isGreaterThanOrEqualTo(b.acceptedAtMillis());
        assertThat(b.acceptedAtMillis()).isGreaterThanOrEqualTo(before);

        // Alerts are counted as before.
        String alertToken = liveToken();
        PushNotificationResponse<SimpleApnsPushNotification> alert = pushy.sendNotification(
                        new SimpleApnsPushNotification(alertToken, BUNDLE, "{\"aps\":{\"alert\":\"hi\"}}"))
                .get(10, TimeUnit.SECONDS);
        assertThat(alert.isAccepted()).isTrue();
        assertThat(eventually(() -> apns.tokens().received(alertToken), 1)).isEqualTo(1);
    }

    @Test
    void aRepeatedIdenticalUpdateIsCountedAsADuplicate() throws Exception {
        String activity = newActivity();
        String channel = createChannel();
        List<String> devices = startOnChannel(activity, channel, 2);
        assertThat(broadcast(channel, update(200, 1), bearer(signingKey)).statusCode())
                .isEqualTo(200);
        assertThat(broadcast(channel, update(200, 1), bearer(signingKey)).statusCode())
                .isEqualTo(200);
        // The same timestamp and state, its fields in another order: the same update.
        String reordered =
                "{\"aps\":{\"event\":\"update\",\"content-state\":{\"away\":0,\"home\":1},\"timestamp\":200}}";
        assertThat(broadcast(channel, reordered, bearer(signingKey)).statusCode())
                .isEqualTo(200);
        // The same timestamp, another state: another update.
        assertThat(broadcast(channel, update(200, 2), bearer(signingKey)).statusCode())
                .isEqualTo(200);
        awaitBroadcasts(channel, 4);

        for (String device : devices) {
            LiveActivityLog.Received r = log.received(device, activity);
            assertThat(r.updates()).isEqualTo(4);
            assertThat(r.distinctUpdates()).isEqualTo(2);
            assertThat(r.duplicateUpdates()).isEqualTo(2);
        }
        LiveActivityLog.Summary summary = log.summary(activity);
        assertThat(summary.devicesWithUpdates(2)).isEqualTo(2);
        assertThat(summary.duplicateUpdates()).isEqualTo(4);
        assertThat(summary.devicesWithDuplicates()).isEqualTo(2);

        // Pushed to an update token linked to the first device: counted for it, again a duplicate.
        String updateToken = liveToken();
        log.linkUpdateToken(updateToken, devices.get(0), activity);
        assertThat(push(updateToken, update(200, 2)).isAccepted()).isTrue();
        assertThat(eventually(() -> log.received(devices.get(0), activity).updates(), 5))
                .isEqualTo(5);
        assertThat(log.received(devices.get(0), activity).duplicateUpdates()).isEqualTo(3);
        assertThat(log.received(devices.get(1), activity).updates()).isEqualTo(4);
    }

    @Test
    void anEndIsCountedAndDeletingAChannelDropsItsSubscriptions() throws Exception {
        String activity = newActivity();
        String channel = createChannel();
        List<String> devices = startOnChannel(activity, channel, 2);
        String end = "{\"aps\":{\"event\":\"end\",\"timestamp\":300,\"dismissal-date\":400,"
                + "\"content-state\":{\"home\":3,\"away\":1}}}";
        assertThat(broadcast(channel, end, bearer(signingKey)).statusCode()).isEqualTo(200);
        awaitBroadcasts(channel, 1);
        assertThat(log.summary(activity).devicesEnded()).isEqualTo(2);
        assertThat(log.received(devices.get(1), activity)).isEqualTo(new LiveActivityLog.Received(1, 0, 0, 1));

        assertThat(manage("DELETE", "/channels", channel, null).statusCode()).isEqualTo(204);
        assertThat(log.subscribers(channel)).isZero();
        assertRefused(broadcast(channel, update(301, 1), bearer(signingKey)), 400, "ChannelNotRegistered");
        // A start naming the deleted channel subscribes nobody.
        long unknownBefore = log.startsOnUnknownChannels();
        String late = liveToken();
        assertThat(push(late, start(activity, channel)).isAccepted()).isTrue();
        assertThat(eventually(log::startsOnUnknownChannels, unknownBefore + 1)).isEqualTo(unknownBefore + 1);
        assertThat(log.subscribers(channel)).isZero();
        assertThat(log.summary(activity).updates()).isZero();
        assertThat(log.summary(activity).devicesStarted()).isEqualTo(3);
    }

    @Test
    void liveActivityPushesAreCheckedAndRefusalsNotCounted() throws Exception {
        String token = liveToken();
        String activity = newActivity();
        PushNotificationResponse<SimpleApnsPushNotification> plainTopic = pushy.sendNotification(
                        new SimpleApnsPushNotification(
                                token,
                                BUNDLE,
                                start(activity, null),
                                null,
                                DeliveryPriority.IMMEDIATE,
                                PushType.LIVE_ACTIVITY))
                .get(10, TimeUnit.SECONDS);
        assertThat(plainTopic.getRejectionReason()).hasValue("BadTopic");
        PushNotificationResponse<SimpleApnsPushNotification> alertType = pushy.sendNotification(
                        new SimpleApnsPushNotification(
                                token, TOPIC, start(activity, null), null, DeliveryPriority.IMMEDIATE, PushType.ALERT))
                .get(10, TimeUnit.SECONDS);
        assertThat(alertType.getRejectionReason()).hasValue("InvalidPushType");
        assertThat(push(token, "{\"aps\":{\"content-state\":{}}}").isAccepted()).isFalse();
        String unknownToken = HexFormat.of().formatHex(randomBytes(32));
        assertThat(push(unknownToken, start(activity, null)).getRejectionReason())
                .hasValue("DeviceTokenNotForTopic");
        Thread.sleep(200);
        assertThat(log.received(token, activity)).isEqualTo(new LiveActivityLog.Received(0, 0, 0, 0));
        assertThat(apns.tokens().received(token)).isZero();
    }

    private static String newActivity() {
        return "match-" + UUID.randomUUID();
    }

    /** {@code n} new live tokens, each sent a start of {@code activity} naming {@code channel}, all accepted. */
    private static List<String> startOnChannel(String activity, String channel, int n) throws Exception {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String token = liveToken();
            assertThat(push(token, start(activity, channel)).isAccepted()).isTrue();
            tokens.add(token);
        }
        for (String token : tokens) {
            assertThat(eventually(() -> log.received(token, activity).starts(), 1))
                    .isEqualTo(1);
        }
        return tokens;
    }

    private static PushNotificationResponse<SimpleApnsPushNotification> push(String token, String payload)
            throws Exception {
        return pushy.sendNotification(new SimpleApnsPushNotification(
                        token, TOPIC, payload, null, DeliveryPriority.IMMEDIATE, PushType.LIVE_ACTIVITY))
                .get(10, TimeUnit.SECONDS);
    }

    private static String start(String activity, String channel) {
        return "{\"aps\":{\"timestamp\":1,\"event\":\"start\",\"content-state\":{\"home\":0,\"away\":0},"
                + "\"attributes-type\":\"MatchAttributes\",\"attributes\":{\"heraldActivityId\":\"" + activity + "\"}"
                + (channel == null ? "" : ",\"input-push-channel\":\"" + channel + "\"")
                + ",\"alert\":{\"title\":\"Kick-off\",\"body\":\"Follow the match\"}}}";
    }

    private static String update(long timestamp, int home) {
        return "{\"aps\":{\"timestamp\":" + timestamp + ",\"event\":\"update\",\"content-state\":{\"home\":" + home
                + ",\"away\":0},\"relevance-score\":50}}";
    }

    private static String liveToken() {
        String token = HexFormat.of().formatHex(randomBytes(32));
        apns.tokens().addLive(token);
        return token;
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String createChannel() throws Exception {
        HttpResponse<String> r =
                manage("POST", "/channels", null, "{\"message-storage-policy\":0,\"push-type\":\"LiveActivity\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return r.headers().firstValue("apns-channel-id").orElseThrow();
    }

    private static String bearer(ApnsSigningKey key) {
        return new AuthenticationToken(key, Instant.now())
                .getAuthorizationHeader()
                .toString();
    }

    private static HttpResponse<String> manage(String method, String path, String channelId, String body)
            throws Exception {
        HttpRequest.Builder b = request(channels.channelsPort(), "/1/apps/" + BUNDLE + path, bearer(signingKey))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (channelId != null) {
            b.header("apns-channel-id", channelId);
        }
        return send(b.build());
    }

    private static HttpResponse<String> broadcast(String channelId, String payload, String authorization)
            throws Exception {
        return send(request(channels.broadcastPort(), "/4/broadcasts/apps/" + BUNDLE, authorization)
                .header("apns-channel-id", channelId)
                .header("apns-push-type", "liveactivity")
                .header("apns-priority", "10")
                .header("apns-expiration", "0")
                .POST(HttpRequest.BodyPublishers.ofString(payload))
                .build());
    }

    private static HttpRequest.Builder request(int port, String path, String authorization) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("https://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10));
        if (authorization != null) {
            b.header("authorization", authorization);
        }
        return b;
    }

    private static HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefused(HttpResponse<String> response, int status, String reason) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).path("reason").asText()).isEqualTo(reason);
    }

    private static List<String> ids(JsonNode array) {
        List<String> ids = new ArrayList<>();
        array.forEach(n -> ids.add(n.asText()));
        return ids;
    }

    /** Waits until {@code n} broadcasts on {@code channel} were fanned out (they are, once answered). */
    private static void awaitBroadcasts(String channel, int n) throws InterruptedException {
        eventually(
                () -> log.broadcasts().stream()
                        .filter(b -> b.channelId().equals(channel))
                        .count(),
                n);
    }

    private static long eventually(LongSupplier count, long expected) throws InterruptedException {
        return SandboxTestTls.eventually(count, expected);
    }

    private static Path resource(String name) throws Exception {
        return SandboxTestTls.resource(dir, name);
    }
}
