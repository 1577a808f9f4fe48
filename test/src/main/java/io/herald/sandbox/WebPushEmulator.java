package io.herald.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.webpush.SubscriptionKeys;
import io.herald.webpush.WebPushDecryption;
import io.herald.webpush.WebPushEncryption;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.File;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A web push service for the sandbox (RFC 8030, with RFC 8291's message encryption and RFC 8292's
 * VAPID): {@code POST /push/<subscription-id>} over TLS and HTTP/2 (Netty), as FcmEmulator is. It
 * makes subscriptions for synthetic devices ({@link #subscribe}), keeping each one's user agent keys
 * (its private key and auth secret), and takes a push message to one as a push service does:
 *
 * <ul>
 *   <li>the subscription: 404 if it never existed, 410 once it expired ({@link #expire});
 *   <li>the headers: {@code TTL} required, a number of seconds; {@code Urgency} if present one of
 *       very-low, low, normal, high; {@code Topic} if present at most 32 base64url characters; a body
 *       only with {@code Content-Encoding: aes128gcm} (400 otherwise);
 *   <li>the sender's VAPID credentials ({@code Authorization: vapid t=<jwt>, k=<key>}): a
 *       subscription is bound to the applicationServerKey it was made with, so another {@code k} is
 *       403; a JWT that is missing, malformed, not ES256, not signed by {@code k}, for another origin
 *       ({@code aud} must be this emulator's, {@code https://localhost:<port>}), expired or expiring
 *       more than 24 hours ahead, or without a {@code sub} (mailto: or https:) is 401;
 *   <li>the body: over 4096 bytes is 413; one that does not decrypt with the subscription's keys (to
 *       a single-record aes128gcm message ending with its delimiter) is 400.
 * </ul>
 *
 * A message that passes is answered 201 Created with a {@code Location} (the push message resource)
 * and the {@code TTL} kept, and counted for its subscription in the {@link TokenRegistry}, the
 * subscription id playing the token's part (the payload kept is the decrypted plaintext, as UTF-8),
 * once its answer is on its way: so lost and duplicated notifications are counted as for APNs and
 * FCM. Errors are JSON in the shape of Mozilla's push service (autopush): {@code code}, {@code
 * errno}, {@code error}, {@code message}; the errno values follow autopush's list loosely (senders
 * act on the status).
 *
 * <p>Faults as for the other emulators ({@link Faults}): transient errors (429, 500, 503 in turn;
 * 429 and 503 with {@code Retry-After}) and refused credentials (401) from the server, latency and
 * dropped connections from the {@link FaultyLink} in front of it.
 *
 * <p>The checks cost about 2 ms of CPU per message (an ECDSA verification and an ECDH), so they run
 * on a pool of threads of their own rather than on the connections' event loop; a verified JWT is
 * remembered (with its key), as a sender sends one token for hours, and its claims are checked anew
 * each time.
 */
public final class WebPushEmulator implements AutoCloseable {
    /** The largest body a push service must take (RFC 8030 section 7.2); more is 413. */
    public static final int MAX_BODY_BYTES = 4096;

    /** The longest a VAPID token may live ahead of now (RFC 8292 section 2). */
    public static final long MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

    /** The concurrent streams a connection takes, as for the FCM emulator. */
    public static final int STREAMS_PER_CONNECTION = 100;

    /** The host of the endpoints handed out (the sandbox certificate names localhost and 127.0.0.1). */
    public static final String HOST = "localhost";

    private static final Pattern PATH = Pattern.compile("/push/([A-Za-z0-9_-]+)");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    private final NioEventLoopGroup group;
    private final DefaultEventExecutorGroup checks;
    private final Channel channel;
    private final TokenRegistry tokens;
    private final FaultyLink link;
    private final Map<String, Bound> subscriptions;

    /** A subscription as the emulator keeps it: the user agent's side, and the key it is bound to. */
    private static final class Bound {
        final WebPushDecryption userAgent;
        final byte[] applicationServerKey;
        final ECPublicKey verifier;

        Bound(WebPushDecryption userAgent, ECPublicKey applicationServerKey) {
            this.userAgent = userAgent;
            this.applicationServerKey = uncompressed(applicationServerKey);
            this.verifier = applicationServerKey;
        }
    }

    /**
     * A subscription as a browser hands it to the application: its endpoint, and its keys ({@code
     * p256dh}, {@code auth}, base64url). The emulator keeps the private side.
     */
    public record Subscription(String id, String endpoint, String p256dh, String auth) {
        /** The keys as Herald's encryption takes them. */
        public SubscriptionKeys keys() {
            return SubscriptionKeys.fromBase64Url(p256dh, auth);
        }
    }

    private WebPushEmulator(
            NioEventLoopGroup group,
            DefaultEventExecutorGroup checks,
            Channel channel,
            TokenRegistry tokens,
            FaultyLink link,
            Map<String, Bound> subscriptions) {
        this.group = group;
        this.checks = checks;
        this.channel = channel;
        this.tokens = tokens;
        this.link = link;
        this.subscriptions = subscriptions;
    }

    /** Starts the emulator on a free port, its subscriptions' deliveries counted in {@code tokens}. */
    public static WebPushEmulator start(File certificate, File privateKey, TokenRegistry tokens) throws Exception {
        SslContext ssl = Http2TlsServer.tls(certificate, privateKey);
        NioEventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("web-push-emulator", true));
        DefaultEventExecutorGroup checks = new DefaultEventExecutorGroup(
                Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("web-push-emulator-checks", true));
        Faults faults = new Faults();
        Map<String, Bound> subscriptions = new ConcurrentHashMap<>();
        Handler handler = new Handler(subscriptions, tokens, faults);
        Channel channel = Http2TlsServer.bind(
                group, ssl, STREAMS_PER_CONNECTION, stream -> stream.pipeline().addLast(checks, "web-push", handler));
        int port = ((InetSocketAddress) channel.localAddress()).getPort();
        FaultyLink link = FaultyLink.start(group, port, faults);
        handler.origin = "https://" + HOST + ":" + link.port();
        return new WebPushEmulator(group, checks, channel, tokens, link, subscriptions);
    }

    /**
     * How this emulator fights back; a well-behaved push service until told otherwise. Errors and
     * refused credentials come from the server; latency and dropped connections from the
     * {@link FaultyLink} in front of it.
     */
    public Faults faults() {
        return link.faults();
    }

    /** Where senders connect: the faulty link in front of the server. */
    public int port() {
        return link.port();
    }

    /** This push service's origin, the {@code aud} its VAPID tokens must name: {@code https://localhost:<port>}. */
    public String origin() {
        return "https://" + HOST + ":" + port();
    }

    public TokenRegistry tokens() {
        return tokens;
    }

    /**
     * A new live subscription for a synthetic device, bound to {@code applicationServerKey} (the
     * application's VAPID public key, as {@code pushManager.subscribe} takes it), with a random id.
     */
    public Subscription subscribe(ECPublicKey applicationServerKey) {
        byte[] id = new byte[16];
        RANDOM.nextBytes(id);
        return subscribe(BASE64URL.encodeToString(id), applicationServerKey);
    }

    /**
     * The same, {@code applicationServerKey} as base64url (the uncompressed point, as VAPID's {@code
     * k} and web push libraries write it).
     */
    public Subscription subscribe(String applicationServerKey) {
        return subscribe(publicKey(applicationServerKey));
    }

    /**
     * A new live subscription with the id given (base64url characters, at most 128), for a
     * population that names its devices itself.
     *
     * @throws IllegalArgumentException if the id is malformed or taken
     */
    public Subscription subscribe(String id, ECPublicKey applicationServerKey) {
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("a subscription id is 1 to 128 base64url characters: " + id);
        }
        WebPushDecryption userAgent = WebPushDecryption.generate();
        if (subscriptions.putIfAbsent(id, new Bound(userAgent, applicationServerKey)) != null) {
            throw new IllegalArgumentException("subscription " + id + " exists");
        }
        tokens.addLive(id);
        SubscriptionKeys keys = userAgent.subscriptionKeys();
        return new Subscription(id, endpoint(id), keys.p256dhBase64Url(), keys.authBase64Url());
    }

    /** The push resource of subscription {@code id}: {@code https://localhost:<port>/push/<id>}. */
    public String endpoint(String id) {
        return origin() + "/push/" + id;
    }

    /** Expires subscription {@code id} now: messages to it are answered 410 Gone. */
    public void expire(String id) {
        expire(id, Instant.now());
    }

    /** Expires subscription {@code id} as of {@code since}: messages to it are answered 410 Gone. */
    public void expire(String id, Instant since) {
        if (!subscriptions.containsKey(id)) {
            throw new IllegalArgumentException("no subscription " + id);
        }
        tokens.addDead(id, since);
    }

    @Override
    public void close() throws Exception {
        link.close();
        channel.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        checks.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    /** The 65-byte uncompressed point (0x04, x, y) of a P-256 public key. */
    static byte[] uncompressed(ECPublicKey key) {
        byte[] out = new byte[65];
        out[0] = 4;
        writeCoordinate(key.getW().getAffineX(), out, 1);
        writeCoordinate(key.getW().getAffineY(), out, 33);
        return out;
    }

    private static void writeCoordinate(BigInteger value, byte[] out, int offset) {
        byte[] bytes = value.toByteArray();
        int length = Math.min(bytes.length, 32);
        System.arraycopy(bytes, bytes.length - length, out, offset + 32 - length, length);
    }

    /** A P-256 public key from its base64url uncompressed point. */
    static ECPublicKey publicKey(String base64Url) {
        byte[] point;
        try {
            point = Base64.getUrlDecoder().decode(base64Url.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("an applicationServerKey is base64url");
        }
        if (point.length != 65 || point[0] != 4) {
            throw new IllegalArgumentException("an applicationServerKey is a 65-byte uncompressed P-256 point");
        }
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            ECParameterSpec curve = parameters.getParameterSpec(ECParameterSpec.class);
            ECPoint w = new ECPoint(
                    new BigInteger(1, Arrays.copyOfRange(point, 1, 33)),
                    new BigInteger(1, Arrays.copyOfRange(point, 33, 65)));
            return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, curve));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a P-256 public key", e);
        }
    }

    /** An answer refused, as the push service says it. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final HttpResponseStatus status;
        final int errno;

        Refusal(HttpResponseStatus status, int errno, String message) {
            super(message, null, false, false);
            this.status = status;
            this.errno = errno;
        }
    }

    @ChannelHandler.Sharable
    private static final class Handler extends CountingRequestHandler {
        private static final Pattern URGENCY = Pattern.compile("very-low|low|normal|high");
        private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9_-]{1,32}");
        private static final Pattern TTL = Pattern.compile("[0-9]{1,10}");
        /** The longest TTL kept (four weeks, as push services cap it); a longer one is answered lowered. */
        private static final long MAX_TTL_SECONDS = 28L * 24 * 60 * 60;
        /** The most verified tokens remembered; past it, the memory starts over. */
        private static final int MAX_VERIFIED = 10_000;

        private final Map<String, Bound> subscriptions;
        private final TokenRegistry tokens;
        private final Faults faults;
        private final AtomicLong messageIds = new AtomicLong();
        /** JWTs whose signature was verified, with the key that verified them ("jwt k"). */
        private final Map<String, Boolean> verified = new ConcurrentHashMap<>();
        /** Set once the link's port is known, before any request can come. */
        volatile String origin;

        Handler(Map<String, Bound> subscriptions, TokenRegistry tokens, Faults faults) {
            this.subscriptions = subscriptions;
            this.tokens = tokens;
            this.faults = faults;
        }

        @Override
        FullHttpResponse answer(FullHttpRequest request, List<Runnable> onceWritten) {
            try {
                return check(request, onceWritten);
            } catch (Refusal r) {
                return error(r.status, r.errno, r.getMessage());
            }
        }

        private FullHttpResponse check(FullHttpRequest request, List<Runnable> onceWritten) throws Refusal {
            Matcher path = PATH.matcher(request.uri());
            if (!path.matches()) {
                throw new Refusal(HttpResponseStatus.NOT_FOUND, 102, "Invalid URL endpoint " + request.uri());
            }
            if (!HttpMethod.POST.equals(request.method())) {
                throw new Refusal(HttpResponseStatus.METHOD_NOT_ALLOWED, 102, "POST only");
            }
            String id = path.group(1);
            Bound subscription = subscriptions.get(id);
            if (subscription == null) {
                throw new Refusal(HttpResponseStatus.NOT_FOUND, 102, "No such subscription");
            }
            if (tokens.dead.containsKey(id)) {
                throw new Refusal(HttpResponseStatus.GONE, 103, "Subscription expired");
            }
            HttpHeaders headers = request.headers();
            long ttl = ttl(headers.get("ttl"));
            String urgency = headers.get("urgency");
            if (urgency != null && !URGENCY.matcher(urgency).matches()) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, 114, "Invalid Urgency " + urgency);
            }
            String topic = headers.get("topic");
            if (topic != null && !TOPIC.matcher(topic).matches()) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, 113, "Topic must be at most 32 base64url characters");
            }
            if (faults.refuseCredentialsNow()) {
                throw new Refusal(HttpResponseStatus.UNAUTHORIZED, 109, "Unauthorized: credentials revoked");
            }
            checkVapid(headers.get(HttpHeaderNames.AUTHORIZATION), subscription);
            Faults.Transient fault = faults.transientNow();
            if (fault != null) {
                return transientError(fault);
            }
            int length = request.content().readableBytes();
            if (length > MAX_BODY_BYTES) {
                throw new Refusal(
                        HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                        104,
                        "Body of " + length + " bytes; at most " + MAX_BODY_BYTES);
            }
            String payload = "";
            if (length > 0) {
                String encoding = headers.get(HttpHeaderNames.CONTENT_ENCODING);
                if (!WebPushEncryption.CONTENT_ENCODING.equalsIgnoreCase(encoding)) {
                    throw new Refusal(
                            HttpResponseStatus.BAD_REQUEST,
                            110,
                            "A body needs Content-Encoding: aes128gcm, not " + encoding);
                }
                try {
                    payload = new String(
                            subscription.userAgent.decrypt(ByteBufUtil.getBytes(request.content())),
                            StandardCharsets.UTF_8);
                } catch (GeneralSecurityException e) {
                    throw new Refusal(HttpResponseStatus.BAD_REQUEST, 110, "The body does not decrypt");
                }
            }
            String delivered = payload;
            onceWritten.add(() -> tokens.recordDelivery(id, delivered));
            FullHttpResponse r = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.CREATED, Unpooled.EMPTY_BUFFER);
            r.headers().set(HttpHeaderNames.LOCATION, origin + "/m/" + messageIds.incrementAndGet());
            r.headers().set("ttl", Long.toString(Math.min(ttl, MAX_TTL_SECONDS)));
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
            return r;
        }

        private static long ttl(String value) throws Refusal {
            if (value == null) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, 111, "Missing TTL header");
            }
            if (!TTL.matcher(value.strip()).matches()) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, 112, "Invalid TTL header " + value);
            }
            return Long.parseLong(value.strip());
        }

        /**
         * RFC 8292's {@code vapid t=<jwt>, k=<key>}: 403 if {@code k} is not the subscription's
         * applicationServerKey, 401 for anything else wrong.
         */
        private void checkVapid(String authorization, Bound subscription) throws Refusal {
            if (authorization == null) {
                throw unauthorized("Missing Authorization header");
            }
            String text = authorization.strip();
            int space = text.indexOf(' ');
            if (space < 0 || !text.substring(0, space).equalsIgnoreCase("vapid")) {
                throw unauthorized("Authorization is not vapid t=..., k=...");
            }
            String jwt = null;
            String k = null;
            for (String part : text.substring(space + 1).split(",")) {
                String p = part.strip();
                int eq = p.indexOf('=');
                if (eq < 0) {
                    throw unauthorized("Malformed vapid Authorization");
                }
                String name = p.substring(0, eq).strip();
                String value = p.substring(eq + 1).strip();
                if (name.equals("t")) {
                    jwt = value;
                } else if (name.equals("k")) {
                    k = value;
                }
            }
            if (jwt == null || k == null) {
                throw unauthorized("vapid Authorization needs t and k");
            }
            byte[] key;
            try {
                key = Base64.getUrlDecoder().decode(k);
            } catch (IllegalArgumentException e) {
                throw unauthorized("k is not base64url");
            }
            if (key.length != 65 || key[0] != 4) {
                throw unauthorized("k is not an uncompressed P-256 key");
            }
            if (!Arrays.equals(key, subscription.applicationServerKey)) {
                throw new Refusal(
                        HttpResponseStatus.FORBIDDEN,
                        109,
                        "Forbidden: k is not the applicationServerKey of this subscription");
            }
            String[] parts = jwt.split("\\.", -1);
            if (parts.length != 3) {
                throw unauthorized("The JWT is not header.claims.signature");
            }
            JsonNode header;
            JsonNode claims;
            try {
                header = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
                claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            } catch (Exception e) {
                throw unauthorized("The JWT's header or claims are not base64url JSON");
            }
            if (!header.path("alg").asText().equals("ES256")) {
                throw unauthorized("The JWT is not ES256");
            }
            String remembered = jwt + " " + k;
            if (!verified.containsKey(remembered)) {
                if (!signatureVerifies(parts, subscription.verifier)) {
                    throw unauthorized("The JWT's signature does not verify with k");
                }
                if (verified.size() >= MAX_VERIFIED) {
                    verified.clear();
                }
                verified.put(remembered, Boolean.TRUE);
            }
            if (!claims.path("aud").isTextual() || !claims.get("aud").asText().equals(origin)) {
                throw unauthorized("The JWT's aud is not " + origin);
            }
            if (!claims.path("exp").canConvertToLong()) {
                throw unauthorized("The JWT has no exp");
            }
            long exp = claims.get("exp").asLong();
            long now = Instant.now().getEpochSecond();
            if (exp <= now) {
                throw unauthorized("The JWT expired");
            }
            if (exp > now + MAX_TOKEN_LIFETIME_SECONDS) {
                throw unauthorized("The JWT's exp is more than 24 hours ahead");
            }
            String sub = claims.path("sub").asText("");
            if (!sub.startsWith("mailto:") && !sub.startsWith("https:")) {
                throw unauthorized("The JWT's sub is not a mailto: or https: contact");
            }
        }

        private static boolean signatureVerifies(String[] parts, ECPublicKey key) throws Refusal {
            byte[] signature;
            try {
                signature = Base64.getUrlDecoder().decode(parts[2]);
            } catch (IllegalArgumentException e) {
                throw unauthorized("The JWT's signature is not base64url");
            }
            if (signature.length != 64) {
                return false;
            }
            try {
                Signature verifier = Signature.getInstance("SHA256withECDSAinP1363Format");
                verifier.initVerify(key);
                verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
                return verifier.verify(signature);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }

        private static Refusal unauthorized(String message) {
            return new Refusal(HttpResponseStatus.UNAUTHORIZED, 109, "Unauthorized: " + message);
        }

        /** A push service's answers to a sender it throttles or that is having trouble. */
        private static FullHttpResponse transientError(Faults.Transient fault) {
            FullHttpResponse r;
            switch (fault) {
                case TOO_MANY_REQUESTS:
                    r = error(HttpResponseStatus.TOO_MANY_REQUESTS, 999, "Too many requests");
                    r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
                    return r;
                case INTERNAL_ERROR:
                    return error(HttpResponseStatus.INTERNAL_SERVER_ERROR, 999, "Internal error");
                default:
                    r = error(HttpResponseStatus.SERVICE_UNAVAILABLE, 201, "Service unavailable");
                    r.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
                    return r;
            }
        }

        private static FullHttpResponse error(HttpResponseStatus status, int errno, String message) {
            ObjectNode body = JSON.createObjectNode();
            body.put("code", status.code());
            body.put("errno", errno);
            body.put("error", status.reasonPhrase());
            body.put("message", message);
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r =
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=UTF-8");
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            return r;
        }
    }
}
