package io.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.delivery.Attempt;
import io.herald.delivery.Provider;
import io.herald.delivery.ProviderReply;
import io.herald.delivery.RequestNotTaken;
import io.herald.http2.TestHttp2Server;
import io.herald.http2.TestHttp2Server.Request;
import io.herald.json.Json;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.PushKeys;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web push provider against a push service in the test (HTTP/2 over TLS, as
 * Http2ConnectionsTest's): what a request carries (RFC 8030's headers, a VAPID token that verifies, a
 * body the subscription decrypts), how answers are read, connections per origin and their bound, and
 * the requests refused before anything is sent.
 */
class WebPushProviderTest {
    private static final String SUBJECT = "mailto:ops@example.com";
    private static final String APP = "web-app";

    @TempDir
    Path dir;

    private final NioEventLoopGroup group = new NioEventLoopGroup(2);
    /** What the server answers: status, Retry-After (or null), body (or null). */
    private volatile String[] answer = {"201", null, null};

    private TestHttp2Server server;
    private Queue<Request> received;
    private int port;
    private VapidKeys vapid;
    private final WebPushDecryption userAgent = WebPushDecryption.generate();
    private final List<Provider.Session> sessions = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = TestHttp2Server.start(group, null, (stream, request) -> {
            String[] a = answer;
            TestHttp2Server.respond(
                    stream, Integer.parseInt(a[0]), a[1] == null ? Map.of() : Map.of("retry-after", a[1]), a[2]);
        });
        received = server.received();
        port = server.port();
        vapid = VapidKeys.generate();
        vapid.writePrivateKey(dir.resolve("vapid.key"));
    }

    @AfterEach
    void stop() throws Exception {
        for (Provider.Session s : sessions) {
            s.close();
        }
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private WebPushApp app() throws Exception {
        WebPushApp app = new WebPushApp();
        app.appId = APP;
        app.vapidPrivateKeyFile = dir.resolve("vapid.key").toString();
        app.vapidPublicKey = vapid.publicKeyBase64Url();
        app.subject = SUBJECT;
        app.trustedCertificateFile = TestHttp2Server.trustedCertificates().toString();
        app.pushServices = List.of("localhost", "127.0.0.1");
        return app;
    }

    private WebPushProvider.WebPushSession connect(int connectionsPerOrigin, int maxOrigins) throws Exception {
        Provider.Session s = new WebPushProvider(List.of(app()), connectionsPerOrigin, 1, maxOrigins).connect(group, 1);
        sessions.add(s);
        return (WebPushProvider.WebPushSession) s;
    }

    private SendRequest request(String endpoint) {
        SendRequest r = new SendRequest();
        r.notificationId = "c1/d1";
        r.campaignId = "c1";
        r.deviceId = "d1";
        r.appId = APP;
        r.platform = Platform.WEB;
        r.token = endpoint;
        r.pushKeys = PushKeys.of(
                userAgent.subscriptionKeys().p256dhBase64Url(),
                userAgent.subscriptionKeys().authBase64Url());
        r.payload = "{\"title\":\"Hello\",\"body\":\"é, and more\"}";
        r.firedAt = System.currentTimeMillis();
        return r;
    }

    private String endpoint(String host, String path) {
        return "https://" + host + ":" + port + path;
    }

    private static ProviderReply send(Provider.Session session, SendRequest request) throws Exception {
        return session.send(new Attempt(request, 1)).get(10, TimeUnit.SECONDS);
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void aNotificationGoesOutAsRfc8030AndRfc8292Ask_andItsBodyOpensToThePayload() throws Exception {
        WebPushProvider.WebPushSession session = connect(1, WebPushProvider.MAX_ORIGINS);
        SendRequest request = request(endpoint("localhost", "/push/sub-1?v=2"));
        request.expiresAt = System.currentTimeMillis() + 60_000;
        request.collapseId = "news-1";
        Attempt attempt = new Attempt(request, 1);

        ProviderReply reply = session.send(attempt).get(10, TimeUnit.SECONDS);

        assertThat(reply.receipt.outcome).isEqualTo(Outcome.DELIVERED);
        assertThat(reply.receipt.providerStatus).isEqualTo(201);
        assertThat(attempt.isWritten())
                .as("the session said the request went out")
                .isTrue();
        assertThat(received).hasSize(1);
        Request r = received.peek();
        assertThat(r.header(":method")).isEqualTo("POST");
        assertThat(r.header(":path")).isEqualTo("/push/sub-1?v=2");
        assertThat(r.header(":authority")).isEqualTo("localhost:" + port);
        assertThat(Long.parseLong(r.header("ttl"))).isBetween(55L, 60L);
        assertThat(r.header("urgency")).isEqualTo("high");
        assertThat(r.header("topic")).isEqualTo("news-1");
        assertThat(r.header("content-encoding")).isEqualTo("aes128gcm");
        assertThat(r.header("content-type")).isEqualTo("application/octet-stream");
        assertVapid(r.header("authorization"), "https://localhost:" + port);
        assertThat(new String(userAgent.decrypt(r.body()), StandardCharsets.UTF_8))
                .isEqualTo(request.payload);
    }

    /** {@code vapid t=<jwt>, k=<key>}: k the app's public key, the JWT ES256-signed by it, for {@code audience}. */
    private void assertVapid(String authorization, String audience) throws Exception {
        assertThat(authorization).startsWith("vapid t=");
        String[] parts = authorization.substring("vapid ".length()).split(", ");
        assertThat(parts[1]).isEqualTo("k=" + vapid.publicKeyBase64Url());
        String[] jwt = parts[0].substring("t=".length()).split("\\.");
        Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
        verifier.initVerify(vapid.publicKey());
        verifier.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(verifier.verify(Base64.getUrlDecoder().decode(jwt[2])))
                .as("the token's signature verifies with k")
                .isTrue();
        JsonNode claims = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(jwt[1]));
        assertThat(claims.get("aud").asText()).isEqualTo(audience);
        assertThat(claims.get("sub").asText()).isEqualTo(SUBJECT);
        assertThat(claims.get("exp").asLong()).isGreaterThan(System.currentTimeMillis() / 1000);
    }

    @Test
    void urgencyTtlAndTopicFollowTheRequest() {
        SendRequest r = request("https://push.example.com/x");
        assertThat(WebPushProvider.urgency(r).toString()).isEqualTo("high");
        r.priority = 5;
        assertThat(WebPushProvider.urgency(r).toString()).isEqualTo("normal");
        r.background = true;
        assertThat(WebPushProvider.urgency(r).toString()).isEqualTo("low");

        assertThat(WebPushProvider.ttlSeconds(null, 2_419_200, 1_000)).isEqualTo(2_419_200);
        assertThat(WebPushProvider.ttlSeconds(91_000L, 2_419_200, 1_000)).isEqualTo(90);
        assertThat(WebPushProvider.ttlSeconds(500L, 2_419_200, 1_000))
                .as("past: 0")
                .isZero();

        assertThat(WebPushProvider.topic(null)).isNull();
        assertThat(WebPushProvider.topic("")).isNull();
        assertThat(WebPushProvider.topic("a-Z_09")).isEqualTo("a-Z_09");
        String thirtyTwo = "abcdefghijklmnopqrstuvwxyz012345";
        assertThat(WebPushProvider.topic(thirtyTwo)).isEqualTo(thirtyTwo);
        for (String unfit : List.of(thirtyTwo + "6", "campaign:42", "spaces are not base64url")) {
            String topic = WebPushProvider.topic(unfit);
            assertThat(topic).as(unfit).hasSize(32).matches("[A-Za-z0-9_-]{32}");
            assertThat(WebPushProvider.topic(unfit))
                    .as("one collapse id, one topic")
                    .isEqualTo(topic);
        }
        assertThat(WebPushProvider.topic("campaign:42")).isNotEqualTo(WebPushProvider.topic("campaign:43"));

        Http2Headers headers = WebPushProvider.headers(r, 3600, "vapid t=x, k=y", 0);
        assertThat(headers.get("ttl").toString()).isEqualTo("3600");
        assertThat(headers.contains("topic")).as("no collapse id, no topic").isFalse();
    }

    @Test
    void answersAreReadWithTheWebPushTable() throws Exception {
        WebPushProvider.WebPushSession session = connect(1, WebPushProvider.MAX_ORIGINS);
        String endpoint = endpoint("localhost", "/push/sub-1");
        record Expected(String status, String retryAfter, Outcome outcome, boolean credentials, long retryAfterMs) {}
        List<Expected> table = List.of(
                new Expected("201", null, Outcome.DELIVERED, false, 0),
                new Expected("202", null, Outcome.DELIVERED, false, 0),
                new Expected("404", null, Outcome.TOKEN_DEAD, false, 0),
                new Expected("410", null, Outcome.TOKEN_DEAD, false, 0),
                new Expected("400", null, Outcome.REJECTED, false, 0),
                new Expected("413", null, Outcome.REJECTED, false, 0),
                new Expected("401", null, Outcome.REJECTED, true, 0),
                new Expected("403", null, Outcome.REJECTED, false, 0),
                new Expected("429", "7", Outcome.FAILED, false, 7_000),
                new Expected("500", null, Outcome.FAILED, false, 0),
                new Expected("503", "2", Outcome.FAILED, false, 2_000));
        for (Expected e : table) {
            answer = new String[] {e.status, e.retryAfter, null};
            ProviderReply reply = send(session, request(endpoint));
            assertThat(reply.receipt.outcome).as(e.status).isEqualTo(e.outcome);
            assertThat(reply.receipt.providerStatus).as(e.status).isEqualTo(Integer.parseInt(e.status));
            assertThat(reply.credentialsRefused).as(e.status).isEqualTo(e.credentials);
            assertThat(reply.retryAfterMs).as(e.status).isEqualTo(e.retryAfterMs);
        }
        answer = new String[] {
            "410", null, "{\"code\":410,\"errno\":106,\"error\":\"Gone\",\"message\":\"Subscription expired\"}"
        };
        assertThat(send(session, request(endpoint)).receipt.reason).isEqualTo("HTTP 410: Subscription expired");
        assertThat(received).hasSize(table.size() + 1);
    }

    @Test
    void theReasonIsTheStatusAndTheServicesShortWords_neverAToken() {
        SendRequest r = request("https://push.example.com/x");
        assertThat(WebPushProvider.reply(r, 201, "", 0, 1).receipt.reason).isNull();
        assertThat(WebPushProvider.reply(r, 413, "Payload too large\n", 0, 1).receipt.reason)
                .isEqualTo("HTTP 413: Payload too large");
        assertThat(WebPushProvider.reply(r, 400, "{\"error\":\"Bad TTL\"}", 0, 1).receipt.reason)
                .isEqualTo("HTTP 400: Bad TTL");
        assertThat(WebPushProvider.reply(r, 401, "bad token vapid t=eyJhbGciOi.x.y, k=BA", 0, 1).receipt.reason)
                .isEqualTo("HTTP 401");
        assertThat(WebPushProvider.reply(r, 500, "<html><body>oops</body></html>", 0, 1).receipt.reason)
                .isEqualTo("HTTP 500");
        assertThat(WebPushProvider.reply(r, 500, "x".repeat(500), 0, 1).receipt.reason)
                .isEqualTo("HTTP 500");
        assertThat(WebPushProvider.reply(r, 403, "{not json", 0, 1).receipt.reason)
                .isEqualTo("HTTP 403");
    }

    @Test
    void twoOriginsGetTwoConnectionSets_eachWithItsOwnToken() throws Exception {
        WebPushProvider.WebPushSession session = connect(1, WebPushProvider.MAX_ORIGINS);
        for (int i = 0; i < 3; i++) {
            assertThat(send(session, request(endpoint("localhost", "/push/a" + i))).receipt.outcome)
                    .isEqualTo(Outcome.DELIVERED);
            assertThat(send(session, request(endpoint("127.0.0.1", "/push/b" + i))).receipt.outcome)
                    .isEqualTo(Outcome.DELIVERED);
        }
        assertThat(session.origins()).isEqualTo(2);
        assertThat(server.connections()).as("one connection per origin").isEqualTo(2);
        for (Request r : received) {
            String host = r.header(":authority").startsWith("localhost") ? "localhost" : "127.0.0.1";
            assertVapid(r.header("authorization"), "https://" + host + ":" + port);
        }
        assertThat(received.stream().map(Request::connection).distinct()).hasSize(2);
    }

    @Test
    void pastTheMostOriginsTheLeastRecentlyUsedIsClosed_andOpenedAgainWhenNeeded() throws Exception {
        WebPushProvider.WebPushSession session = connect(1, 1);
        send(session, request(endpoint("localhost", "/push/a")));
        send(session, request(endpoint("127.0.0.1", "/push/b")));
        assertThat(session.origins()).isEqualTo(1);
        await("the first origin's connection closed", () -> server.closedConnections() == 1);
        assertThat(send(session, request(endpoint("localhost", "/push/a"))).receipt.outcome)
                .isEqualTo(Outcome.DELIVERED);
        assertThat(server.connections()).isEqualTo(3);
        await("the second origin's connection closed", () -> server.closedConnections() == 2);
    }

    @Test
    void whatCannotBeSentIsRejectedWithoutARequest() throws Exception {
        WebPushProvider.WebPushSession session = connect(1, WebPushProvider.MAX_ORIGINS);
        String endpoint = endpoint("localhost", "/push/sub-1");

        SendRequest noKeys = request(endpoint);
        noKeys.pushKeys = null;
        SendRequest badPoint = request(endpoint);
        badPoint.pushKeys.p256dh = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[65]);
        SendRequest shortAuth = request(endpoint);
        shortAuth.pushKeys.auth = "AAAA";
        SendRequest notBase64 = request(endpoint);
        notBase64.pushKeys.auth = "not base64!";
        SendRequest http = request("http://localhost:" + port + "/push/sub-1");
        SendRequest notAUrl = request("not a url at all");
        SendRequest tooLong = request(endpoint);
        tooLong.payload = "x".repeat(WebPushEncryption.MAX_PLAINTEXT_LENGTH + 1);
        // A push service the app does not send to (an internal address, a host that would answer 401
        // and stop the app): not one request.
        SendRequest elsewhere = request("https://push.evil.example:" + port + "/push/sub-1");

        Map<SendRequest, String> expected = Map.of(
                noKeys, "no push keys",
                badPoint, "push keys are invalid",
                shortAuth, "push keys are invalid",
                notBase64, "push keys are invalid",
                http, "not an https URL",
                notAUrl, "not an https URL",
                tooLong, "at most " + WebPushEncryption.MAX_PLAINTEXT_LENGTH,
                elsewhere, "push service push.evil.example is not in webPush.pushServices");
        for (Map.Entry<SendRequest, String> e : expected.entrySet()) {
            Attempt attempt = new Attempt(e.getKey(), 1);
            Receipt receipt = session.send(attempt).get(10, TimeUnit.SECONDS).receipt;
            assertThat(receipt.outcome).as(e.getValue()).isEqualTo(Outcome.REJECTED);
            assertThat(receipt.reason).contains(e.getValue()).doesNotContain("localhost");
            assertThat(attempt.isWritten()).isFalse();
        }
        SendRequest longest = request(endpoint);
        longest.payload = "x".repeat(WebPushEncryption.MAX_PLAINTEXT_LENGTH);
        assertThat(send(session, longest).receipt.outcome).isEqualTo(Outcome.DELIVERED);
        assertThat(received).as("only the one that fits was sent").hasSize(1);
        assertThat(server.connections()).isEqualTo(1);
    }

    @Test
    void aClosedSessionTakesNoRequest() throws Exception {
        WebPushProvider.WebPushSession session = connect(1, WebPushProvider.MAX_ORIGINS);
        session.close();
        Throwable error = catchThrowable(() -> send(session, request(endpoint("localhost", "/push/a"))));
        assertThat(error).isInstanceOf(ExecutionException.class);
        assertThat(RequestNotTaken.in(error)).isTrue();
        assertThat(received).isEmpty();
    }

    @Test
    void aKeyFileThatIsNotThePublicKeysPairIsRefused_withoutSayingTheKey() throws Exception {
        WebPushApp app = app();
        app.vapidPublicKey = VapidKeys.generate().publicKeyBase64Url();
        String privateKey = Files.readString(dir.resolve("vapid.key")).strip();
        assertThatThrownBy(() -> new WebPushProvider(List.of(app), 1).connect(group, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(APP)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(privateKey));
    }

    @Test
    void isTheWebPlatformsProvider() {
        WebPushProvider provider = new WebPushProvider(List.of(), 2);
        assertThat(provider.platform()).isEqualTo(Platform.WEB);
        assertThat(provider.displayName()).isEqualTo("Web push");
        assertThat(provider.budgets()).isEmpty();
    }

    @Test
    void isSerializableAsTheJobGraphNeeds() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(new WebPushProvider(List.of(app()), 2));
        }
        WebPushProvider copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (WebPushProvider) in.readObject();
        }
        Provider.Session s = copy.connect(group, 1);
        sessions.add(s);
        assertThat(s.serves(APP)).isTrue();
        assertThat(s.serves("other")).isFalse();
    }

    @Test
    void theDeliverysWindowIsWhatItsEncryptionThreadsDrainInAQuarterSecond() {
        assertThat(new WebPushProvider(List.of(), 1, 2, 64).maxInFlight(5_000))
                .isEqualTo(2 * WebPushProvider.IN_FLIGHT_PER_ENCRYPTION_THREAD);
        assertThat(new WebPushProvider(List.of(), 1, 2, 64).maxInFlight(50)).isEqualTo(50);
    }

    @Test
    void theBrowsersPushServicesAreTheDefault_subdomainsByStar() {
        WebPushApp app = new WebPushApp();
        assertThat(app.sendsTo("fcm.googleapis.com")).isTrue();
        assertThat(app.sendsTo("updates.push.services.mozilla.com")).isTrue();
        assertThat(app.sendsTo("web.push.apple.com")).isTrue();
        assertThat(app.sendsTo("WNS2-BY3P.notify.windows.com")).isTrue();
        assertThat(app.sendsTo("googleapis.com")).isFalse();
        assertThat(app.sendsTo("evilpush.apple.com.example")).isFalse();
        assertThat(app.sendsTo("localhost")).isFalse();
        assertThat(app.pushServicesProblem()).isNull();
        app.pushServices = List.of("https://fcm.googleapis.com");
        assertThat(app.pushServicesProblem()).contains("not a host name");
    }
}
