package io.herald.webpush;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.delivery.Attempt;
import io.herald.delivery.Provider;
import io.herald.delivery.ProviderAnswers;
import io.herald.delivery.ProviderReply;
import io.herald.delivery.RequestNotTaken;
import io.herald.http2.Http2Connections;
import io.herald.json.Json;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Web push (RFC 8030) as a {@link Provider}: each notification's payload encrypted to its
 * subscription's keys (RFC 8291, {@link WebPushEncryption}) and POSTed to the subscription's endpoint
 * with the app's VAPID token (RFC 8292, {@link VapidTokens}), over Herald's HTTP/2 client
 * ({@link Http2Connections}), each answer read with {@link #ANSWERS}. No send budget: push services
 * publish no quota.
 *
 * <p>A subscription's endpoint names its push service (each browser vendor runs its own), so a
 * session keeps connections per origin (scheme, host and port), up to {@code connectionsPerOrigin}
 * each, opened on the first request to the origin. At most {@value #MAX_ORIGINS} origins are kept
 * per session: past that, the least recently used one is dropped, its connections closed once the
 * requests in flight on them are answered, and opened again if a later request goes there.
 *
 * <p>Encryption costs about 1.2 ms of CPU a message, too much for the task thread (it would hold up
 * the whole pipeline) and for a Netty event loop (it would hold up every connection on it): each
 * session runs it on threads of its own, half the cores (at least one), daemon threads named {@code
 * herald-webpush-encrypt}, stopped when the session closes. Their queue has no bound of its own: the
 * delivery operator bounds the requests in flight, and a request waiting to be encrypted is in
 * flight.
 *
 * <p>A request that cannot be sent as it is (no push keys, keys that are not a subscription's, an
 * endpoint that is not https, a payload too long to encrypt into one record) is answered at once with
 * a rejected receipt saying why; nothing goes to the push service. The app's VAPID private key is in
 * no receipt, message or log; neither is the endpoint, which is the subscription's capability URL.
 */
public final class WebPushProvider implements Provider {
    private static final long serialVersionUID = 1L;

    /**
     * Web push's answers, by status alone (RFC 8030 and RFC 8292; push services differ in their bodies):
     * any 2xx (201 Created, as a rule) is delivered; 404 and 410 say the subscription is gone (expired,
     * or unsubscribed); 401 refuses the app's VAPID credentials (a token the service does not accept),
     * which stops the app; 429 and 5xx are worth another try, after Retry-After; any other status
     * refuses the notification for good: 400 a malformed request, 413 a body too large, and 403, which
     * RFC 8292 gives a subscription made with another key than the app's (one old subscription after
     * a key rotation): it is about that subscription, so it neither stops the app nor, since a wrong
     * key in the configuration would say it of every subscription, forgets the subscription.
     */
    public static final ProviderAnswers ANSWERS = ProviderAnswers.forProvider("Web push")
            .deadTokenStatuses(404, 410)
            .credentialsRefused(401)
            .build();

    /** The delivery's window per encryption thread ({@link #maxInFlight}). */
    public static final int IN_FLIGHT_PER_ENCRYPTION_THREAD = 200;

    /** The most push service origins a session keeps connections to. */
    public static final int MAX_ORIGINS = 64;

    /** The longest text of a push service's answer kept in a receipt's reason. */
    static final int MAX_REASON_TEXT = 200;

    /** RFC 8030 section 5.4: a topic is at most 32 characters of the base64url alphabet. */
    static final int MAX_TOPIC_LENGTH = 32;

    // HTTP/2 header names are lower case; AsciiStrings keep their hashes for HPACK.
    private static final AsciiString TTL = AsciiString.cached("ttl");
    private static final AsciiString URGENCY = AsciiString.cached("urgency");
    private static final AsciiString TOPIC = AsciiString.cached("topic");
    private static final AsciiString AES128GCM = AsciiString.cached(WebPushEncryption.CONTENT_ENCODING);
    private static final AsciiString OCTET_STREAM = AsciiString.cached("application/octet-stream");
    private static final AsciiString LOW = AsciiString.cached("low");
    private static final AsciiString NORMAL = AsciiString.cached("normal");
    private static final AsciiString HIGH = AsciiString.cached("high");

    private final List<WebPushApp> apps;
    private final int connectionsPerOrigin;
    /** Encryption threads per session; 0: half the cores of the machine the session runs on. */
    private final int encryptionThreads;

    private final int maxOrigins;

    /**
     * @param apps the apps that send web push, each with its VAPID keys
     * @param connectionsPerOrigin the most connections a session opens to one push service
     */
    public WebPushProvider(List<WebPushApp> apps, int connectionsPerOrigin) {
        this(apps, connectionsPerOrigin, 0, MAX_ORIGINS);
    }

    /** With the encryption threads (0: half the cores) and the most origins kept, for tests. */
    WebPushProvider(List<WebPushApp> apps, int connectionsPerOrigin, int encryptionThreads, int maxOrigins) {
        if (connectionsPerOrigin < 1 || encryptionThreads < 0 || maxOrigins < 1) {
            throw new IllegalArgumentException("at least one connection per origin, and one origin");
        }
        this.apps = List.copyOf(apps);
        this.connectionsPerOrigin = connectionsPerOrigin;
        this.encryptionThreads = encryptionThreads;
        this.maxOrigins = maxOrigins;
    }

    @Override
    public Platform platform() {
        return Platform.WEB;
    }

    @Override
    public String displayName() {
        return "Web push";
    }

    /** Encryption threads per session: as set, else half the cores of this machine. */
    private int encryptionThreads() {
        return encryptionThreads > 0
                ? encryptionThreads
                : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /**
     * At most {@link #IN_FLIGHT_PER_ENCRYPTION_THREAD} per encryption thread: a request the delivery
     * started waits here for its encryption (about 1.2 ms each) before it can leave, and a pause or a
     * cancel takes back only what was not started. With the delivery's usual window (1,000 to start,
     * adaptive), a second or more of encryptions queued behind a pause on a small machine; with this
     * one, about a quarter of a second. Throughput is not the bound: 200 in flight per thread carry
     * 2,000 a second at a 100 ms round trip, more than a thread encrypts.
     */
    @Override
    public int maxInFlight(int configured) {
        return Math.min(configured, IN_FLIGHT_PER_ENCRYPTION_THREAD * encryptionThreads());
    }

    @Override
    public String id() {
        return "webpush";
    }

    /**
     * Reads each app's VAPID key pair (refusing a pair that does not match) and makes its TLS context;
     * connects to nothing until a request names a push service.
     */
    @Override
    public Session connect(EventLoopGroup eventLoop, int instances) throws Exception {
        Map<String, SslContext> tlsByTrust = new HashMap<>();
        Map<String, Sender> senders = new HashMap<>();
        for (WebPushApp app : apps) {
            if (app.vapidPrivateKeyFile == null) {
                throw new IllegalArgumentException("web push app " + app.appId + " has no VAPID private key file");
            }
            VapidKeys keys;
            try {
                keys = VapidKeys.read(Path.of(app.vapidPrivateKeyFile), app.vapidPublicKey);
            } catch (IllegalArgumentException e) {
                // VapidKeys's messages name the file and what is wrong, never the key.
                throw new IllegalArgumentException("web push app " + app.appId + ": " + e.getMessage());
            }
            VapidTokens tokens =
                    VapidTokens.builder().keys(keys).subject(app.subject).build();
            String trust = app.trustedCertificateFile == null ? "" : app.trustedCertificateFile;
            SslContext tls = tlsByTrust.get(trust);
            if (tls == null) {
                tls = Http2Connections.clientTls(trust.isEmpty() ? null : new File(trust));
                tlsByTrust.put(trust, tls);
            }
            senders.put(app.appId, new Sender(tokens, tls, app.defaultTtlSeconds, app));
        }
        int threads = encryptionThreads();
        return new WebPushSession(
                senders,
                new PushServices(
                        maxOrigins,
                        (origin, tls) ->
                                new Http2Connections(URI.create(origin), tls, connectionsPerOrigin, eventLoop)),
                threads);
    }

    /** An app's VAPID tokens, its TLS context, its default TTL, and its settings (the push services it sends to). */
    private record Sender(VapidTokens tokens, SslContext tls, int defaultTtlSeconds, WebPushApp app) {}

    /** One parallel instance's encryption threads and connections. */
    static final class WebPushSession extends AppSession<Sender> {
        private final PushServices services;
        private final ThreadPoolExecutor encryption;

        private WebPushSession(Map<String, Sender> senders, PushServices services, int threads) {
            super(senders);
            this.services = services;
            this.encryption = new ThreadPoolExecutor(
                    threads,
                    threads,
                    0,
                    TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(),
                    new DefaultThreadFactory("herald-webpush-encrypt", true));
        }

        /** Hands the attempt to an encryption thread: nothing of it runs on the caller's thread. */
        @Override
        public CompletableFuture<ProviderReply> send(Attempt attempt) {
            CompletableFuture<ProviderReply> result = new CompletableFuture<>();
            try {
                encryption.execute(new Sending(attempt, result));
            } catch (RejectedExecutionException e) {
                result.completeExceptionally(new RequestNotTaken("the web push session is closed"));
            }
            return result;
        }

        /** How many push service origins have connections kept. */
        int origins() {
            return services.origins();
        }

        /** Stops the encryption threads (requests still waiting for one fail, not taken) and closes every connection. */
        @Override
        public void close() {
            for (Runnable waiting : encryption.shutdownNow()) {
                if (waiting instanceof Sending sending) {
                    sending.result.completeExceptionally(
                            new RequestNotTaken("the web push session closed before the request was sent"));
                }
            }
            services.close();
        }

        /** One attempt on an encryption thread: checked, encrypted, then posted. */
        private final class Sending implements Runnable {
            final Attempt attempt;
            final CompletableFuture<ProviderReply> result;

            Sending(Attempt attempt, CompletableFuture<ProviderReply> result) {
                this.attempt = attempt;
                this.result = result;
            }

            @Override
            public void run() {
                if (result.isDone()) {
                    return; // given up (timed out) while it waited: not worth encrypting
                }
                try {
                    send();
                } catch (RuntimeException e) {
                    // Nothing went out: safe to try again. Only the kind is said (a message could quote the request).
                    result.completeExceptionally(new RequestNotTaken("the web push request could not be made: "
                            + e.getClass().getSimpleName()));
                }
            }

            private void send() {
                SendRequest request = attempt.request();
                Sender sender = apps.get(request.appId);
                if (sender == null) {
                    refuse(request, "no web push credentials for app");
                    return;
                }
                String origin;
                try {
                    origin = VapidTokens.originOf(request.token);
                } catch (IllegalArgumentException e) {
                    // Its message quotes the endpoint, a capability URL: not in the receipt.
                    refuse(request, "the subscription's endpoint is not an https URL with a host");
                    return;
                }
                String host = URI.create(origin).getHost();
                if (!sender.app.sendsTo(host)) {
                    // Named: a host is no secret, and the operator needs it to allow a push service.
                    refuse(request, "the subscription's push service " + host + " is not in webPush.pushServices");
                    return;
                }
                if (request.pushKeys == null) {
                    refuse(request, "the subscription has no push keys (p256dh, auth)");
                    return;
                }
                SubscriptionKeys keys;
                try {
                    keys = SubscriptionKeys.fromBase64Url(request.pushKeys.p256dh, request.pushKeys.auth);
                } catch (IllegalArgumentException e) {
                    // Its messages say what is wrong and never quote a key or the secret.
                    refuse(request, "the subscription's push keys are invalid: " + e.getMessage());
                    return;
                }
                byte[] plaintext =
                        request.payload == null ? new byte[0] : request.payload.getBytes(StandardCharsets.UTF_8);
                if (plaintext.length > WebPushEncryption.MAX_PLAINTEXT_LENGTH) {
                    refuse(
                            request,
                            "the payload has " + plaintext.length + " bytes; a web push message holds at most "
                                    + WebPushEncryption.MAX_PLAINTEXT_LENGTH);
                    return;
                }
                byte[] body = WebPushEncryption.encrypt(plaintext, keys);
                Http2Headers headers = headers(
                        request,
                        sender.defaultTtlSeconds,
                        sender.tokens.tokenFor(origin).authorization(),
                        System.currentTimeMillis());
                String path = pathOf(URI.create(request.token));

                PushServices.Service service = services.acquire(origin, sender.tls);
                CompletableFuture<Http2Connections.Response> response;
                try {
                    response = service.connections.post(path, headers, body, attempt::written);
                } catch (RuntimeException e) {
                    services.release(service);
                    throw e;
                }
                response.whenComplete((answer, error) -> {
                    services.release(service);
                    if (error != null) {
                        result.completeExceptionally(error);
                    } else {
                        result.complete(reply(
                                request,
                                answer.status,
                                answer.body,
                                ProviderAnswers.retryAfterMs(answer.retryAfter),
                                System.currentTimeMillis()));
                    }
                });
            }

            private void refuse(SendRequest request, String reason) {
                result.complete(new ProviderReply(
                        Receipt.of(request, Outcome.REJECTED, 0, reason, 1, System.currentTimeMillis()), 0));
            }
        }
    }

    /** The request's headers but the pseudo-headers (RFC 8030 section 5, RFC 8291, RFC 8292). */
    static Http2Headers headers(SendRequest request, int defaultTtlSeconds, String authorization, long now) {
        Http2Headers headers = new DefaultHttp2Headers()
                .set(HttpHeaderNames.AUTHORIZATION, authorization)
                .set(HttpHeaderNames.CONTENT_TYPE, OCTET_STREAM)
                .set(HttpHeaderNames.CONTENT_ENCODING, AES128GCM)
                .set(TTL, Long.toString(ttlSeconds(request.expiresAt, defaultTtlSeconds, now)))
                .set(URGENCY, urgency(request));
        String topic = topic(request.collapseId);
        if (topic != null) {
            headers.set(TOPIC, topic);
        }
        return headers;
    }

    /**
     * How long the push service keeps the message for a device that is away: until the request
     * expires, in whole seconds (0 once past: the delivery refuses what expired before it is sent,
     * so only a retry can get here late, and it is then worth delivering only to a device online now),
     * else the app's default.
     */
    static long ttlSeconds(Long expiresAt, int defaultTtlSeconds, long now) {
        if (expiresAt == null) {
            return defaultTtlSeconds;
        }
        return Math.max(0, (expiresAt - now) / 1000);
    }

    /** RFC 8030 section 5.3: a background push is {@code low}, priority 10 {@code high}, others {@code normal}. */
    static AsciiString urgency(SendRequest request) {
        if (request.background) {
            return LOW;
        }
        return request.priority == 10 ? HIGH : NORMAL;
    }

    /**
     * The Topic that lets a push service replace a message still waiting with a newer one of the same
     * collapse id: the collapse id itself when it is at most 32 characters of the base64url alphabet
     * (RFC 8030 section 5.4), else the first 32 characters of the base64url SHA-256 of it (so that
     * one collapse id still makes one topic); null without a collapse id.
     */
    static String topic(String collapseId) {
        if (collapseId == null || collapseId.isEmpty()) {
            return null;
        }
        if (collapseId.length() <= MAX_TOPIC_LENGTH && isBase64Url(collapseId)) {
            return collapseId;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(collapseId.getBytes(StandardCharsets.UTF_8));
            return Base64Url.encode(digest).substring(0, MAX_TOPIC_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static boolean isBase64Url(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok =
                    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The endpoint's path and query, as the request's {@code :path}. */
    static String pathOf(URI endpoint) {
        String path = endpoint.getRawPath() == null || endpoint.getRawPath().isEmpty() ? "/" : endpoint.getRawPath();
        return endpoint.getRawQuery() == null ? path : path + "?" + endpoint.getRawQuery();
    }

    /**
     * A push service's answer as a reply, read with {@link #ANSWERS}: the reason is the status, with
     * the service's own words when they are short text (the body of a success is not read).
     */
    static ProviderReply reply(SendRequest request, int status, String body, long retryAfterMs, long ackAt) {
        String reason = status >= 200 && status < 300 ? null : reason(status, body);
        return ANSWERS.reply(request, status, reason, retryAfterMs, ackAt, null);
    }

    /**
     * {@code HTTP <status>}, then the service's words: the {@code message} (else {@code error}) of a
     * JSON body (Mozilla's autopush writes both), or a plain text body; left out when long (an HTML
     * page, say), or when it could hold a token (a JWT, the {@code vapid} header): receipts are kept
     * and read by people who are not to see credentials.
     */
    static String reason(int status, String body) {
        String text = serviceWords(body);
        return text == null ? "HTTP " + status : "HTTP " + status + ": " + text;
    }

    private static String serviceWords(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        String text = body.strip();
        if (text.startsWith("{")) {
            try {
                JsonNode json = Json.MAPPER.readTree(text);
                JsonNode words = json.hasNonNull("message") ? json.get("message") : json.get("error");
                if (words == null || !words.isTextual()) {
                    return null;
                }
                text = words.asText().strip();
            } catch (Exception e) {
                return null; // not JSON after all: said by the status alone
            }
        }
        text = text.replaceAll("\\s+", " ");
        if (text.isEmpty()
                || text.length() > MAX_REASON_TEXT
                || text.indexOf('<') >= 0
                || text.contains("eyJ")
                || !text.chars().allMatch(c -> c >= ' ' && c < 0x7f)) {
            return null;
        }
        return text;
    }
}
