package io.herald.sandbox;

import com.eatthepath.pushy.apns.auth.ApnsVerificationKey;
import com.eatthepath.pushy.apns.auth.AuthenticationToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * APNs's broadcast side for the sandbox: channel management and broadcast pushes for Live
 * Activities, each on a port of its own over TLS and HTTP/2, as APNs serves management apart from
 * pushes. Real APNs takes broadcasts on the push host with notifications; Pushy's MockApnsServer
 * answers only {@code /3/device/}, so here broadcasts have their own server.
 *
 * <p>Channel management ({@link #channelsPort()}), for the app's bundle id only:
 *
 * <ul>
 *   <li>{@code POST /1/apps/<bundle>/channels} with {@code {"message-storage-policy":0|1,
 *       "push-type":"LiveActivity"}}: 201, the new channel's id (base64) in {@code apns-channel-id};
 *   <li>{@code GET /1/apps/<bundle>/all-channels}: 200 {@code {"channels":[...]}};
 *   <li>{@code GET /1/apps/<bundle>/channels} with {@code apns-channel-id}: 200 with its
 *       settings, 404 if unknown;
 *   <li>{@code DELETE} the same: 204, 404 if unknown; the channel's subscriptions go with it.
 * </ul>
 *
 * <p>Broadcasts ({@link #broadcastPort()}): {@code POST /4/broadcasts/apps/<bundle>} with {@code
 * apns-channel-id}, {@code apns-push-type: LiveActivity}, an optional {@code apns-priority} (5 or
 * 10) and {@code apns-expiration} (epoch seconds), and a Live Activity payload whose event is update
 * or end: 200 with {@code apns-request-id}, then, once the answer is written, fanned out to every
 * device activity listening on the channel ({@link LiveActivityLog#fanOut}); an unknown channel is
 * 400 ChannelNotRegistered. The fan-out counts in memory on the event loop: 100,000 devices take
 * tens of milliseconds, no waiting.
 *
 * <p>Both want {@code authorization: bearer <JWT>}, an ES256 provider token of the app's key, as
 * APNs does: missing is 403 MissingProviderToken; malformed, another key or a bad signature 403
 * InvalidProviderToken; issued over an hour ago 403 ExpiredProviderToken. Errors are APNs's JSON,
 * {@code {"reason":"..."}}.
 */
public final class ApnsChannelService implements AutoCloseable {
    /** The largest broadcast payload APNs takes (5 KB, a kilobyte more than a notification). */
    public static final int MAX_BROADCAST_PAYLOAD_BYTES = 5120;

    /** The concurrent streams a connection takes. */
    public static final int STREAMS_PER_CONNECTION = 1_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern CHANNELS = Pattern.compile("/1/apps/([^/]+)/channels");
    private static final Pattern ALL_CHANNELS = Pattern.compile("/1/apps/([^/]+)/all-channels");
    private static final Pattern BROADCAST = Pattern.compile("/4/broadcasts/apps/([^/]+)");
    private static final String PUSH_TYPE = "LiveActivity";
    /** A broadcast's {@code apns-push-type}, as a Live Activity push's to a token. */
    private static final String BROADCAST_PUSH_TYPE = "liveactivity";

    private final NioEventLoopGroup group;
    private final Channel channelsServer;
    private final Channel broadcastServer;
    private final Map<String, Integer> storagePolicies;

    private ApnsChannelService(
            NioEventLoopGroup group,
            Channel channelsServer,
            Channel broadcastServer,
            Map<String, Integer> storagePolicies) {
        this.group = group;
        this.channelsServer = channelsServer;
        this.broadcastServer = broadcastServer;
        this.storagePolicies = storagePolicies;
    }

    /**
     * Starts both servers on free ports of 127.0.0.1 (the APNs emulator does, beside its own).
     *
     * @param bundleId the app's bundle id, the only app served
     * @param key the app's key id, team and public key, which provider tokens must verify with
     * @param liveActivities where channels are opened and broadcasts fanned out
     */
    static ApnsChannelService start(
            File certificate, File privateKey, String bundleId, ApnsVerificationKey key, LiveActivityLog liveActivities)
            throws Exception {
        SslContext ssl = Http2TlsServer.tls(certificate, privateKey);
        NioEventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("apns-channels", true));
        ProviderTokens tokens = new ProviderTokens(key);
        Map<String, Integer> storagePolicies = new ConcurrentHashMap<>();
        Channel channels = Http2TlsServer.bind(
                group,
                ssl,
                STREAMS_PER_CONNECTION,
                stream -> stream.pipeline().addLast(new Management(bundleId, tokens, storagePolicies, liveActivities)));
        Channel broadcasts = Http2TlsServer.bind(
                group,
                ssl,
                STREAMS_PER_CONNECTION,
                stream -> stream.pipeline().addLast(new Broadcasts(bundleId, tokens, liveActivities)));
        return new ApnsChannelService(group, channels, broadcasts, storagePolicies);
    }

    /** The channel management server's port. */
    public int channelsPort() {
        return ((InetSocketAddress) channelsServer.localAddress()).getPort();
    }

    /** The broadcast server's port. */
    public int broadcastPort() {
        return ((InetSocketAddress) broadcastServer.localAddress()).getPort();
    }

    /** The channels that exist now. */
    public List<String> channels() {
        return List.copyOf(storagePolicies.keySet());
    }

    @Override
    public void close() throws Exception {
        channelsServer.close().sync();
        broadcastServer.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    /** A refused request, as APNs words it. */
    private static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;
        final HttpResponseStatus status;

        Refusal(HttpResponseStatus status, String reason) {
            super(reason, null, false, false);
            this.status = status;
        }
    }

    /**
     * Provider tokens checked as APNs checks them; a token whose signature verified is remembered
     * (bounded), as a sender uses one for most of an hour and a verification costs an ECDSA check.
     */
    private static final class ProviderTokens {
        private static final Duration LIFETIME = Duration.ofHours(1);
        private static final int MAX_VERIFIED = 1000;

        private final ApnsVerificationKey key;
        private final Map<String, Instant> verified = new ConcurrentHashMap<>();

        ProviderTokens(ApnsVerificationKey key) {
            this.key = key;
        }

        void check(HttpHeaders headers) throws Refusal {
            String authorization = headers.get(HttpHeaderNames.AUTHORIZATION);
            if (authorization == null) {
                throw new Refusal(HttpResponseStatus.FORBIDDEN, "MissingProviderToken");
            }
            String text = authorization.strip();
            if (!text.regionMatches(true, 0, "bearer ", 0, 7)) {
                throw new Refusal(HttpResponseStatus.FORBIDDEN, "InvalidProviderToken");
            }
            String jwt = text.substring(7).strip();
            Instant issuedAt = verified.get(jwt);
            if (issuedAt == null) {
                issuedAt = verify(jwt);
                if (verified.size() >= MAX_VERIFIED) {
                    verified.clear();
                }
                verified.put(jwt, issuedAt);
            }
            if (issuedAt.plus(LIFETIME).isBefore(Instant.now())) {
                throw new Refusal(HttpResponseStatus.FORBIDDEN, "ExpiredProviderToken");
            }
        }

        private Instant verify(String jwt) throws Refusal {
            AuthenticationToken token;
            try {
                token = new AuthenticationToken(jwt);
            } catch (RuntimeException e) {
                throw new Refusal(HttpResponseStatus.FORBIDDEN, "InvalidProviderToken");
            }
            if (!key.getKeyId().equals(token.getKeyId())
                    || !key.getTeamId().equals(token.getTeamId())
                    || token.getIssuedAt() == null
                    || !token.verifySignature(key)) {
                throw new Refusal(HttpResponseStatus.FORBIDDEN, "InvalidProviderToken");
            }
            return token.getIssuedAt();
        }
    }

    /** What both servers share: the answer to a refusal, and reading a channel id. */
    private abstract static class ApnsHandler extends CountingRequestHandler {
        final String bundleId;
        final ProviderTokens tokens;

        ApnsHandler(String bundleId, ProviderTokens tokens) {
            this.bundleId = bundleId;
            this.tokens = tokens;
        }

        abstract FullHttpResponse handle(FullHttpRequest request, List<Runnable> onceWritten) throws Refusal;

        @Override
        final FullHttpResponse answer(FullHttpRequest request, List<Runnable> onceWritten) {
            try {
                return handle(request, onceWritten);
            } catch (Refusal r) {
                ObjectNode body = JSON.createObjectNode();
                body.put("reason", r.getMessage());
                return response(r.status, body);
            }
        }

        /** The path's app, which must be this service's. */
        void checkApp(String app) throws Refusal {
            if (!bundleId.equals(app)) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "BadTopic");
            }
        }

        /** The {@code apns-channel-id} header: present, and base64. */
        static String channelId(HttpHeaders headers) throws Refusal {
            String id = headers.get("apns-channel-id");
            if (id == null || id.isBlank()) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "MissingChannelId");
            }
            try {
                if (Base64.getDecoder().decode(id).length == 0) {
                    throw new Refusal(HttpResponseStatus.BAD_REQUEST, "BadChannelId");
                }
            } catch (IllegalArgumentException e) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "BadChannelId");
            }
            return id;
        }

        static FullHttpResponse response(HttpResponseStatus status, JsonNode body) {
            byte[] bytes = body == null ? new byte[0] : body.toString().getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r =
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            if (body != null) {
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            }
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            r.headers().set("apns-request-id", UUID.randomUUID().toString());
            return r;
        }
    }

    /** Channel management: create, list, read, delete. */
    @ChannelHandler.Sharable
    private static final class Management extends ApnsHandler {
        private final Map<String, Integer> storagePolicies;
        private final LiveActivityLog liveActivities;

        Management(
                String bundleId,
                ProviderTokens tokens,
                Map<String, Integer> storagePolicies,
                LiveActivityLog liveActivities) {
            super(bundleId, tokens);
            this.storagePolicies = storagePolicies;
            this.liveActivities = liveActivities;
        }

        @Override
        FullHttpResponse handle(FullHttpRequest request, List<Runnable> onceWritten) throws Refusal {
            String path = request.uri();
            Matcher all = ALL_CHANNELS.matcher(path);
            Matcher one = CHANNELS.matcher(path);
            if (!all.matches() && !one.matches()) {
                throw new Refusal(HttpResponseStatus.NOT_FOUND, "BadPath");
            }
            tokens.check(request.headers());
            HttpMethod method = request.method();
            if (all.matches()) {
                checkApp(all.group(1));
                if (!HttpMethod.GET.equals(method)) {
                    throw new Refusal(HttpResponseStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed");
                }
                ObjectNode body = JSON.createObjectNode();
                ArrayNode ids = body.putArray("channels");
                storagePolicies.keySet().forEach(ids::add);
                return response(HttpResponseStatus.OK, body);
            }
            checkApp(one.group(1));
            if (HttpMethod.POST.equals(method)) {
                return create(request);
            }
            if (!HttpMethod.GET.equals(method) && !HttpMethod.DELETE.equals(method)) {
                throw new Refusal(HttpResponseStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed");
            }
            String id = channelId(request.headers());
            Integer policy = storagePolicies.get(id);
            if (policy == null) {
                throw new Refusal(HttpResponseStatus.NOT_FOUND, "ChannelNotRegistered");
            }
            if (HttpMethod.DELETE.equals(method)) {
                // Gone before the answer: a broadcast after a 204 must not reach anyone.
                storagePolicies.remove(id);
                liveActivities.closeChannel(id);
                return response(HttpResponseStatus.NO_CONTENT, null);
            }
            return response(HttpResponseStatus.OK, settings(policy));
        }

        private FullHttpResponse create(FullHttpRequest request) throws Refusal {
            JsonNode body;
            try {
                body = JSON.readTree(request.content().toString(StandardCharsets.UTF_8));
            } catch (Exception e) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "BadPayload");
            }
            if (body == null || !body.isObject()) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "BadPayload");
            }
            JsonNode policy = body.get("message-storage-policy");
            if (policy == null || !policy.isInt() || (policy.asInt() != 0 && policy.asInt() != 1)) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "BadMessageStoragePolicy");
            }
            if (!PUSH_TYPE.equals(body.path("push-type").asText(null))) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "InvalidPushType");
            }
            byte[] raw = new byte[16];
            RANDOM.nextBytes(raw);
            String id = Base64.getEncoder().encodeToString(raw);
            if (!liveActivities.openChannel(id)) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "CannotCreateChannelConfig");
            }
            storagePolicies.put(id, policy.asInt());
            FullHttpResponse r = response(HttpResponseStatus.CREATED, null);
            r.headers().set("apns-channel-id", id);
            return r;
        }

        private static ObjectNode settings(int policy) {
            ObjectNode body = JSON.createObjectNode();
            body.put("message-storage-policy", policy);
            body.put("push-type", PUSH_TYPE);
            return body;
        }
    }

    /** Broadcast pushes: checked, answered, then fanned out to the channel's devices. */
    @ChannelHandler.Sharable
    private static final class Broadcasts extends ApnsHandler {
        private static final Pattern DIGITS = Pattern.compile("[0-9]{1,12}");

        private final LiveActivityLog liveActivities;

        Broadcasts(String bundleId, ProviderTokens tokens, LiveActivityLog liveActivities) {
            super(bundleId, tokens);
            this.liveActivities = liveActivities;
        }

        @Override
        FullHttpResponse handle(FullHttpRequest request, List<Runnable> onceWritten) throws Refusal {
            Matcher path = BROADCAST.matcher(request.uri());
            if (!path.matches()) {
                throw new Refusal(HttpResponseStatus.NOT_FOUND, "BadPath");
            }
            if (!HttpMethod.POST.equals(request.method())) {
                throw new Refusal(HttpResponseStatus.METHOD_NOT_ALLOWED, "MethodNotAllowed");
            }
            HttpHeaders headers = request.headers();
            tokens.check(headers);
            checkApp(path.group(1));
            String pushType = headers.get("apns-push-type");
            if (pushType == null) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "MissingPushType");
            }
            if (!BROADCAST_PUSH_TYPE.equals(pushType)) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "InvalidPushType");
            }
            String priority = headers.get("apns-priority");
            if (priority != null && !priority.equals("5") && !priority.equals("10")) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "BadPriority");
            }
            String expiration = headers.get("apns-expiration");
            if (expiration != null && !DIGITS.matcher(expiration).matches()) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "BadExpirationDate");
            }
            String channel = channelId(headers);
            int length = request.content().readableBytes();
            if (length == 0) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "PayloadEmpty");
            }
            if (length > MAX_BROADCAST_PAYLOAD_BYTES) {
                throw new Refusal(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "PayloadTooLarge");
            }
            LiveActivityLog.Payload payload;
            try {
                payload = LiveActivityLog.Payload.parse(request.content().toString(StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "BadPayload");
            }
            if (payload.event() == LiveActivityLog.Event.START) {
                // Starts go to push-to-start tokens; a channel carries only updates and ends.
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "BadPayload");
            }
            if (!liveActivities.channelOpen(channel)) {
                throw new Refusal(HttpResponseStatus.BAD_REQUEST, "ChannelNotRegistered");
            }
            onceWritten.add(() -> liveActivities.fanOut(channel, payload, System.currentTimeMillis()));
            return response(HttpResponseStatus.OK, null);
        }
    }
}
