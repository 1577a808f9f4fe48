package io.herald.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.webpush.VapidKeys;
import io.herald.webpush.VapidTokens;
import io.herald.webpush.WebPushEncryption;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web push emulator, from a sender's side: real requests over HTTP/2 and TLS (the JDK's client,
 * trusting the sandbox CA), bodies from Herald's encryption and VAPID tokens from Herald's signer;
 * what it answers and what it counts.
 */
class WebPushEmulatorTest {
    private static final String SUBJECT = "mailto:ops@example.com";
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    @TempDir
    static Path dir;

    private static WebPushEmulator emulator;
    private static HttpClient client;
    private static SSLContext tls;
    private static KeyPair appKeys;
    private static VapidKeys vapid;
    private static VapidTokens tokens;

    @BeforeAll
    static void start() throws Exception {
        emulator = WebPushEmulator.start(
                resource("server.pem").toFile(), resource("server-key.pem").toFile(), new TokenRegistry());
        tls = SandboxTestTls.trustingSandboxCa(dir);
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(tls)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        appKeys = ec.generateKeyPair();
        vapid = VapidKeys.fromBase64Url(
                BASE64URL.encodeToString(scalar((ECPrivateKey) appKeys.getPrivate())),
                BASE64URL.encodeToString(WebPushEmulator.uncompressed((ECPublicKey) appKeys.getPublic())));
        tokens = VapidTokens.builder().keys(vapid).subject(SUBJECT).build();
    }

    @AfterAll
    static void stop() throws Exception {
        emulator.close();
    }

    @BeforeEach
    void wellBehaved() {
        emulator.faults().clear();
    }

    @Test
    void aGoodMessageIsCreatedCountedAndDecryptedAndASecondCountsTwice() throws Exception {
        WebPushEmulator.Subscription s = emulator.subscribe(vapid.publicKeyBase64Url());
        assertThat(s.endpoint()).isEqualTo("https://localhost:" + emulator.port() + "/push/" + s.id());

        HttpResponse<String> first = send(s, "{\"title\":\"héllo\"}", tokens.authorizationFor(s.endpoint()));
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(first.headers().firstValue("location"))
                .hasValueSatisfying(l -> assertThat(l).startsWith(emulator.origin() + "/m/"));
        assertThat(first.headers().firstValue("ttl")).hasValue("60");
        assertThat(eventually(() -> emulator.tokens().received(s.id()), 1)).isEqualTo(1);
        assertThat(emulator.tokens().lastPayload(s.id())).isEqualTo("{\"title\":\"héllo\"}");

        HttpResponse<String> second = send(s, "second", tokens.authorizationFor(s.endpoint()));
        assertThat(second.statusCode()).isEqualTo(201);
        assertThat(second.headers().firstValue("location"))
                .isNotEqualTo(first.headers().firstValue("location"));
        assertThat(eventually(() -> emulator.tokens().received(s.id()), 2)).isEqualTo(2);
        assertThat(emulator.tokens().lastPayload(s.id())).isEqualTo("second");
    }

    @Test
    void aSubscriptionBoundToAnotherKeyIsForbidden() throws Exception {
        VapidKeys other = VapidKeys.generate();
        WebPushEmulator.Subscription s = emulator.subscribe(other.publicKey());
        // Signed well, for the right origin, but with the app's key, not the one the subscription was made with.
        assertRefused(send(s, "x", tokens.authorizationFor(s.endpoint())), s, 403);
        // The right key signs for it.
        VapidTokens right = VapidTokens.builder().keys(other).subject(SUBJECT).build();
        assertThat(send(s, "x", right.authorizationFor(s.endpoint())).statusCode())
                .isEqualTo(201);
    }

    @Test
    void aJwtThatIsExpiredGarbledOrMissingIsUnauthorized() throws Exception {
        WebPushEmulator.Subscription s = emulator.subscribe(vapid.publicKeyBase64Url());
        Instant now = Instant.now();
        VapidTokens expired = VapidTokens.builder()
                .keys(vapid)
                .subject(SUBJECT)
                .clock(() -> now.minus(Duration.ofHours(2)))
                .lifetime(Duration.ofHours(1))
                .renewBefore(Duration.ZERO)
                .build();
        assertRefused(send(s, "x", expired.authorizationFor(s.endpoint())), s, 401);

        VapidTokens tooLong = VapidTokens.builder()
                .keys(vapid)
                .subject(SUBJECT)
                .clock(() -> now.plus(Duration.ofHours(2)))
                .lifetime(Duration.ofHours(23))
                .build();
        assertRefused(send(s, "x", tooLong.authorizationFor(s.endpoint())), s, 401);

        String good = tokens.authorizationFor(s.endpoint());
        int signatureAt = good.indexOf(", k=") - 10;
        char c = good.charAt(signatureAt);
        String garbled = good.substring(0, signatureAt) + (c == 'A' ? 'B' : 'A') + good.substring(signatureAt + 1);
        assertRefused(send(s, "x", garbled), s, 401);
        assertRefused(send(s, "x", good.replace("vapid t=", "vapid t=x")), s, 401);
        assertRefused(send(s, "x", null), s, 401);
        assertRefused(send(s, "x", "Bearer " + good.substring("vapid t=".length())), s, 401);

        // Signed by the key, but no sub; and alg none.
        long exp = now.getEpochSecond() + 3600;
        assertRefused(
                send(s, "x", authorization("{\"aud\":\"" + emulator.origin() + "\",\"exp\":" + exp + "}")), s, 401);
        String noneHeader = BASE64URL.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        String signed = authorization(claims(emulator.origin(), exp));
        assertRefused(send(s, "x", signed.replaceFirst("t=[^.]+", "t=" + noneHeader)), s, 401);
        // The hand-signed token with every claim right is taken: the refusals above are for what they lack.
        assertThat(send(s, "x", signed).statusCode()).isEqualTo(201);
    }

    @Test
    void aTokenForAnotherOriginIsUnauthorized() throws Exception {
        WebPushEmulator.Subscription s = emulator.subscribe(vapid.publicKeyBase64Url());
        String otherOrigin = "https://push.example.net";
        assertRefused(send(s, "x", tokens.tokenFor(otherOrigin).authorization()), s, 401);
        // The same host by its address is another origin too.
        assertRefused(
                send(
                        s,
                        "x",
                        tokens.tokenFor("https://127.0.0.1:" + emulator.port()).authorization()),
                s,
                401);
        long exp = Instant.now().getEpochSecond() + 3600;
        assertRefused(send(s, "x", authorization(claims("https://localhost:1", exp))), s, 401);
    }

    @Test
    void aTamperedBodyDoesNotDecrypt() throws Exception {
        WebPushEmulator.Subscription s = emulator.subscribe(vapid.publicKeyBase64Url());
        byte[] body = WebPushEncryption.encrypt("hello".getBytes(StandardCharsets.UTF_8), s.keys());
        body[body.length - 20] ^= 1;
        assertRefused(send(s, body, tokens.authorizationFor(s.endpoint()), "aes128gcm", "60"), s, 400);
        // Encrypted to another subscription's keys.
        WebPushEmulator.Subscription other = emulator.subscribe(vapid.publicKeyBase64Url());
        byte[] forOther = WebPushEncryption.encrypt("hello".getBytes(StandardCharsets.UTF_8), other.keys());
        assertRefused(send(s, forOther, tokens.authorizationFor(s.endpoint()), "aes128gcm", "60"), s, 400);
    }

    @Test
    void headersAreChecked() throws Exception {
        WebPushEmulator.Subscription s = emulator.subscribe(vapid.publicKeyBase64Url());
        byte[] body = WebPushEncryption.encrypt("hello".getBytes(StandardCharsets.UTF_8), s.keys());
        String auth = tokens.authorizationFor(s.endpoint());
        assertRefused(send(s, body, auth, "aes128gcm", null), s, 400);
        assertRefused(send(s, body, auth, "aes128gcm", "soon"), s, 400);
        assertRefused(send(s, body, auth, "aesgcm", "60"), s, 400);
        assertRefused(send(s, body, auth, null, "60"), s, 400);
        assertRefused(request(s, body, auth, "aes128gcm", "60").header("Urgency", "urgent"), s, 400);
        assertRefused(request(s, body, auth, "aes128gcm", "60").header("Topic", "a".repeat(33)), s, 400);
        assertRefused(request(s, body, auth, "aes128gcm", "60").header("Topic", "not/base64url"), s, 400);
        HttpRequest.Builder good = request(s, body, auth, "aes128gcm", "0")
                .header("Urgency", "very-low")
                .header("Topic", "a".repeat(32));
        assertThat(client.send(good.build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(201);
        assertThat(eventually(() -> emulator.tokens().received(s.id()), 1)).isEqualTo(1);
    }

    @Test
    void anUnknownSubscriptionIsNotFoundAndAnExpiredOneIsGone() throws Exception {
        WebPushEmulator.Subscription s = emulator.subscribe(vapid.publicKeyBase64Url());
        WebPushEmulator.Subscription unknown =
                new WebPushEmulator.Subscription("never-made", emulator.endpoint("never-made"), s.p256dh(), s.auth());
        assertRefused(send(unknown, "x", tokens.authorizationFor(unknown.endpoint())), unknown, 404);

        assertThat(send(s, "x", tokens.authorizationFor(s.endpoint())).statusCode())
                .isEqualTo(201);
        emulator.expire(s.id());
        HttpResponse<String> gone = send(s, "y", tokens.authorizationFor(s.endpoint()));
        assertThat(gone.statusCode()).isEqualTo(410);
        Thread.sleep(200);
        assertThat(emulator.tokens().received(s.id())).isEqualTo(1);
        assertThat(emulator.tokens().lastPayload(s.id())).isEqualTo("x");
    }

    @Test
    void aBodyOver4096BytesIsTooLarge() throws Exception {
        WebPushEmulator.Subscription s = emulator.subscribe(vapid.publicKeyBase64Url());
        String auth = tokens.authorizationFor(s.endpoint());
        String largest = "a".repeat(WebPushEncryption.MAX_PLAINTEXT_LENGTH);
        byte[] full = WebPushEncryption.encrypt(largest.getBytes(StandardCharsets.UTF_8), s.keys());
        assertThat(full).hasSize(WebPushEmulator.MAX_BODY_BYTES);
        // One byte more is refused for its size, before any decryption.
        assertRefused(send(s, Arrays.copyOf(full, full.length + 1), auth, "aes128gcm", "60"), s, 413);
        // The largest message Herald encrypts is exactly 4096 bytes, and taken.
        assertThat(send(s, full, auth, "aes128gcm", "60").statusCode()).isEqualTo(201);
        assertThat(eventually(() -> emulator.tokens().received(s.id()), 1)).isEqualTo(1);
        assertThat(emulator.tokens().lastPayload(s.id())).isEqualTo(largest);
    }

    @Test
    void transientErrorsAreAnsweredThenTheMessageIsTaken() throws Exception {
        WebPushEmulator.Subscription s = emulator.subscribe(vapid.publicKeyBase64Url());
        String auth = tokens.authorizationFor(s.endpoint());
        emulator.faults().transientShare(1);
        long before = emulator.faults().transientsAnswered();
        int[] seen = new int[3];
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = send(s, "x", auth);
            seen[i] = r.statusCode();
            if (r.statusCode() != 500) {
                assertThat(r.headers().firstValue("retry-after")).hasValue("1");
            }
        }
        assertThat(seen).containsExactlyInAnyOrder(429, 500, 503);
        assertThat(emulator.faults().transientsAnswered() - before).isEqualTo(3);
        Thread.sleep(200);
        assertThat(emulator.tokens().received(s.id())).isZero();

        emulator.faults().transientShare(0);
        assertThat(send(s, "at last", auth).statusCode()).isEqualTo(201);
        assertThat(eventually(() -> emulator.tokens().received(s.id()), 1)).isEqualTo(1);
        assertThat(emulator.tokens().lastPayload(s.id())).isEqualTo("at last");
    }

    @Test
    void revokedCredentialsAreUnauthorizedAndLatencyDelaysTheAnswer() throws Exception {
        WebPushEmulator.Subscription s = emulator.subscribe(vapid.publicKeyBase64Url());
        String auth = tokens.authorizationFor(s.endpoint());
        emulator.faults().credentialsRevoked(true);
        assertRefused(send(s, "x", auth), s, 401);
        emulator.faults().credentialsRevoked(false);

        emulator.faults().latencyMs(400);
        long start = System.nanoTime();
        assertThat(send(s, "slow", auth).statusCode()).isEqualTo(201);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        assertThat(eventually(() -> emulator.tokens().received(s.id()), 1)).isEqualTo(1);
    }

    /**
     * With every connection dropped (a GOAWAY naming the last request taken, then the close), what
     * the sender is told was taken is counted once and what it is told was not is not counted: the
     * JDK's client sends again, on a new connection, what a GOAWAY says was not taken, and a
     * request that arrives with the TLS handshake's last flight is taken before the drop.
     */
    @Test
    void droppedConnectionsCountWhatTheSenderWasToldWasTaken() throws Exception {
        WebPushEmulator.Subscription s = emulator.subscribe(vapid.publicKeyBase64Url());
        String auth = tokens.authorizationFor(s.endpoint());
        HttpClient fresh = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(tls)
                .build();
        emulator.faults().dropShare(1);
        long dropped = emulator.faults().connectionsDropped();
        byte[] body = WebPushEncryption.encrypt("dropped".getBytes(StandardCharsets.UTF_8), s.keys());
        int taken;
        try {
            HttpResponse<String> r =
                    fresh.send(request(s, body, auth, "aes128gcm", "60").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(201);
            taken = 1;
        } catch (IOException e) {
            taken = 0;
        }
        assertThat(emulator.faults().connectionsDropped()).isGreaterThan(dropped);
        assertThat(eventually(() -> emulator.tokens().received(s.id()), taken)).isEqualTo(taken);

        emulator.faults().dropShare(0);
        HttpResponse<String> again =
                fresh.send(request(s, body, auth, "aes128gcm", "60").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(201);
        assertThat(eventually(() -> emulator.tokens().received(s.id()), taken + 1))
                .isEqualTo(taken + 1);
        assertThat(emulator.tokens().lastPayload(s.id())).isEqualTo("dropped");
    }

    @Test
    void concurrentMessagesAreEachCountedOnce() throws Exception {
        List<WebPushEmulator.Subscription> subscriptions = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            subscriptions.add(emulator.subscribe(vapid.publicKeyBase64Url()));
        }
        long before = emulator.tokens().totalReceived();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            for (WebPushEmulator.Subscription s : subscriptions) {
                byte[] body = WebPushEncryption.encrypt(("n" + round).getBytes(StandardCharsets.UTF_8), s.keys());
                answers.add(client.sendAsync(
                        request(s, body, tokens.authorizationFor(s.endpoint()), "aes128gcm", "60")
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
        }
        for (CompletableFuture<HttpResponse<String>> a : answers) {
            assertThat(a.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(201);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (emulator.tokens().totalReceived() - before < 100 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(200);
        assertThat(emulator.tokens().totalReceived() - before).isEqualTo(100);
        for (WebPushEmulator.Subscription s : subscriptions) {
            assertThat(emulator.tokens().received(s.id())).isEqualTo(5);
        }
    }

    /** A refused message is answered with autopush's JSON and never counted. */
    private static void assertRefused(HttpResponse<String> response, WebPushEmulator.Subscription s, int status)
            throws InterruptedException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.body()).contains("\"code\":" + status).contains("\"errno\":");
        Thread.sleep(50);
        assertThat(emulator.tokens().received(s.id())).isZero();
    }

    private static void assertRefused(HttpRequest.Builder request, WebPushEmulator.Subscription s, int status)
            throws Exception {
        assertRefused(client.send(request.build(), HttpResponse.BodyHandlers.ofString()), s, status);
    }

    private static HttpResponse<String> send(WebPushEmulator.Subscription s, String payload, String authorization)
            throws Exception {
        byte[] body = WebPushEncryption.encrypt(payload.getBytes(StandardCharsets.UTF_8), s.keys());
        return send(s, body, authorization, "aes128gcm", "60");
    }

    private static HttpResponse<String> send(
            WebPushEmulator.Subscription s, byte[] body, String authorization, String encoding, String ttl)
            throws Exception {
        return client.send(
                request(s, body, authorization, encoding, ttl).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(
            WebPushEmulator.Subscription s, byte[] body, String authorization, String encoding, String ttl) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.endpoint()))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (encoding != null) {
            b.header("Content-Encoding", encoding);
        }
        if (ttl != null) {
            b.header("TTL", ttl);
        }
        return b;
    }

    private static String claims(String aud, long exp) {
        return "{\"aud\":\"" + aud + "\",\"exp\":" + exp + ",\"sub\":\"" + SUBJECT + "\"}";
    }

    /** A vapid Authorization with a JWT of these claims, signed by the app's key by hand. */
    private static String authorization(String claims) throws Exception {
        String input = BASE64URL.encodeToString("{\"typ\":\"JWT\",\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8))
                + "." + BASE64URL.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format");
        signer.initSign(appKeys.getPrivate());
        signer.update(input.getBytes(StandardCharsets.US_ASCII));
        return "vapid t=" + input + "." + BASE64URL.encodeToString(signer.sign()) + ", k=" + vapid.publicKeyBase64Url();
    }

    private static byte[] scalar(ECPrivateKey key) {
        byte[] bytes = key.getS().toByteArray();
        byte[] out = new byte[32];
        int length = Math.min(bytes.length, 32);
        System.arraycopy(bytes, bytes.length - length, out, 32 - length, length);
        return out;
    }

    /** The count once it reached {@code expected}: {@link SandboxTestTls#eventually}. */
    private static long eventually(IntSupplier count, int expected) throws InterruptedException {
        return SandboxTestTls.eventually(count::getAsInt, expected);
    }

    private static Path resource(String name) throws Exception {
        return SandboxTestTls.resource(dir, name);
    }
}
