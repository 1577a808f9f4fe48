package io.herald.sandbox;

import com.eatthepath.pushy.apns.auth.ApnsVerificationKey;
import com.eatthepath.pushy.apns.server.MockApnsServer;
import com.eatthepath.pushy.apns.server.MockApnsServerBuilder;
import com.eatthepath.pushy.apns.server.MockApnsServerListener;
import com.eatthepath.pushy.apns.server.PushNotificationHandler;
import com.eatthepath.pushy.apns.server.PushNotificationHandlerFactory;
import com.eatthepath.pushy.apns.server.RejectedNotificationException;
import com.eatthepath.pushy.apns.server.RejectionReason;
import com.eatthepath.pushy.apns.server.UnregisteredDeviceTokenException;
import com.eatthepath.pushy.apns.server.ValidatingPushNotificationHandlerFactory;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;

/**
 * APNs for the sandbox: Pushy's own MockApnsServer over TLS, validating provider tokens against the
 * app's verification key and device tokens against a {@link TokenRegistry}, so that unknown tokens
 * get APNs's real 400 answers and dead ones 410 with a timestamp.
 *
 * <p>Live Activity pushes (push type {@code liveactivity}, topic {@code <bundle
 * id>}{@value #LIVE_ACTIVITY_TOPIC_SUFFIX}) go to the same live tokens (push-to-start and update
 * tokens are registered live as device tokens are); their payload must name an {@code aps.event}
 * (start, update or end), and what they deliver is counted in a {@link LiveActivityLog}, not in the
 * token registry, whose counts stay those of alerts and background pushes. Channels and broadcasts
 * are served beside it, on ports of their own ({@link #channels()}).
 */
public final class ApnsEmulator implements AutoCloseable {
    private static final String PATH_PREFIX = "/3/device/";

    /** What a Live Activity push's topic adds to the bundle id. */
    public static final String LIVE_ACTIVITY_TOPIC_SUFFIX = ".push-type.liveactivity";

    private static final String LIVE_ACTIVITY_PUSH_TYPE = "liveactivity";

    private final MockApnsServer server;
    private final NioEventLoopGroup eventLoop;
    private final TokenRegistry tokens;
    private final FaultyLink link;
    private final ApnsChannelService channels;
    private final LiveActivityLog liveActivities;

    /**
     * The concurrent streams a connection takes, as APNs advertises in its SETTINGS (1,000 today; it
     * was 1,500 once): a sender with more requests outstanding needs more connections.
     */
    public static final int STREAMS_PER_CONNECTION = 1_000;

    private ApnsEmulator(
            MockApnsServer server,
            NioEventLoopGroup eventLoop,
            TokenRegistry tokens,
            FaultyLink link,
            ApnsChannelService channels,
            LiveActivityLog liveActivities) {
        this.server = server;
        this.eventLoop = eventLoop;
        this.tokens = tokens;
        this.link = link;
        this.channels = channels;
        this.liveActivities = liveActivities;
    }

    /**
     * How this emulator fights back; a well-behaved APNs until told otherwise. Errors and refused
     * credentials come from the server; latency and dropped connections from the {@link FaultyLink}
     * in front of it, since MockApnsServer answers on its event loop and gives a handler no hold of
     * the connection.
     */
    public Faults faults() {
        return link.faults();
    }

    /**
     * Starts the emulator on a free port.
     *
     * @param topic the app's bundle id
     * @param teamId the team the signing key belongs to
     * @param keyId the signing key's id
     * @param publicKey the public half of the app's .p8 key
     */
    public static ApnsEmulator start(
            File certificate,
            File privateKey,
            String topic,
            String teamId,
            String keyId,
            ECPublicKey publicKey,
            TokenRegistry tokens)
            throws Exception {
        ApnsVerificationKey key = new ApnsVerificationKey(keyId, teamId, publicKey);
        LiveActivityLog liveActivities = new LiveActivityLog();
        ApnsChannelService channels = ApnsChannelService.start(certificate, privateKey, topic, key, liveActivities);
        String liveActivityTopic = topic + LIVE_ACTIVITY_TOPIC_SUFFIX;
        ValidatingPushNotificationHandlerFactory handlers = new ValidatingPushNotificationHandlerFactory(
                Map.of(topic, tokens.live, liveActivityTopic, tokens.live),
                tokens.dead,
                Map.of(keyId, key),
                Map.of(key, Set.of(topic, liveActivityTopic)));
        NioEventLoopGroup eventLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("apns-emulator", true));
        Faults faults = new Faults();
        MockApnsServer server = new RegisteringBuilder()
                .setServerCredentials(certificate, privateKey, null)
                .setHandlerFactory(new VerifiedTokenCache(handlers, tokens, faults))
                .setEventLoopGroup(eventLoop)
                .setMaxConcurrentStreams(STREAMS_PER_CONNECTION)
                .setListener(new Counter(tokens, liveActivities))
                .build();
        int port = server.start(0).get(30, TimeUnit.SECONDS);
        return new ApnsEmulator(
                server, eventLoop, tokens, FaultyLink.start(eventLoop, port, faults), channels, liveActivities);
    }

    /** Where senders connect: the faulty link in front of the server. */
    public int port() {
        return link.port();
    }

    public TokenRegistry tokens() {
        return tokens;
    }

    /** Channel management and broadcasts, beside the push server, feeding the same {@link #liveActivities()}. */
    public ApnsChannelService channels() {
        return channels;
    }

    /** What the devices' Live Activities received through this emulator. */
    public LiveActivityLog liveActivities() {
        return liveActivities;
    }

    /** Whether a request is a Live Activity push, by its push type. */
    private static boolean isLiveActivity(Http2Headers headers) {
        CharSequence type = headers.get("apns-push-type");
        return type != null && LIVE_ACTIVITY_PUSH_TYPE.contentEquals(type);
    }

    /**
     * APNs's checks of a Live Activity push beyond a notification's: a topic with the suffix for
     * exactly the Live Activity push type, and a payload with an event. Pushy's rejection reasons
     * have no BadPayload; a payload without an event is refused as an empty one.
     */
    private static void checkLiveActivity(Http2Headers headers, ByteBuf payload) throws RejectedNotificationException {
        CharSequence topic = headers.get("apns-topic");
        boolean suffixed = topic != null && topic.toString().endsWith(LIVE_ACTIVITY_TOPIC_SUFFIX);
        if (!isLiveActivity(headers)) {
            if (suffixed) {
                throw new RejectedNotificationException(RejectionReason.INVALID_PUSH_TYPE);
            }
            return;
        }
        if (!suffixed) {
            throw new RejectedNotificationException(RejectionReason.BAD_TOPIC);
        }
        if (payload == null || payload.readableBytes() == 0) {
            throw new RejectedNotificationException(RejectionReason.PAYLOAD_EMPTY);
        }
        try {
            LiveActivityLog.Payload.parse(payload.toString(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new RejectedNotificationException(RejectionReason.PAYLOAD_EMPTY);
        }
    }

    @Override
    public void close() throws Exception {
        channels.close();
        link.close();
        server.shutdown().get(10, TimeUnit.SECONDS);
        eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    /**
     * MockApnsServer gives no hold of its connections; its TLS handler is the way in: each connection
     * is registered with {@link GoingAway} once its handshake is done, so that the {@link FaultyLink}
     * can close it as APNs closes a connection (GOAWAY, then the close).
     */
    private static final class RegisteringBuilder extends MockApnsServerBuilder {
        @Override
        protected MockApnsServer constructServer(SslContext sslContext) {
            // The builder releases its context once the server is made, and the server keeps (and
            // retains) only this wrapper: an OpenSSL context, counted, must outlive that release.
            ReferenceCountUtil.retain(sslContext);
            return super.constructServer(new DelegatingSslContext(sslContext) {
                @Override
                protected void initEngine(SSLEngine engine) {}

                @Override
                protected void initHandler(SslHandler handler) {
                    handler.handshakeFuture().addListener(f -> {
                        if (f.isSuccess()) {
                            GoingAway.register((Channel) f.getNow());
                            ConnectionWindow.widen((Channel) f.getNow());
                        }
                    });
                }
            });
        }
    }

    /**
     * Pushy's validating handler checks the provider token's ECDSA signature on every request, which
     * holds one emulator thread to a few hundred requests a second. APNs checks a provider token once
     * and trusts it while it lives; so does this: a (provider token, topic) pair that passed Pushy's
     * full validation is trusted for a minute, and only its device token and payload are checked
     * again, with Pushy's own rules and answers.
     */
    private static final class VerifiedTokenCache implements PushNotificationHandlerFactory {
        private static final Pattern DEVICE_TOKEN = Pattern.compile("[0-9a-fA-F]{64}");
        private static final long TRUST_MILLIS = 60_000;
        private static final int MAX_ENTRIES = 1000;

        private final PushNotificationHandlerFactory validating;
        private final TokenRegistry tokens;
        private final Faults faults;
        private final Map<String, Long> verifiedAt = new ConcurrentHashMap<>();

        VerifiedTokenCache(PushNotificationHandlerFactory validating, TokenRegistry tokens, Faults faults) {
            this.validating = validating;
            this.tokens = tokens;
            this.faults = faults;
        }

        @Override
        public PushNotificationHandler buildHandler(SSLSession session) {
            PushNotificationHandler full = validating.buildHandler(session);
            return (headers, payload) -> {
                if (faults.refuseCredentialsNow()) {
                    throw new RejectedNotificationException(RejectionReason.INVALID_PROVIDER_TOKEN);
                }
                Faults.Transient fault = faults.transientNow();
                if (fault != null) {
                    throw new RejectedNotificationException(
                            fault == Faults.Transient.TOO_MANY_REQUESTS
                                    ? RejectionReason.TOO_MANY_REQUESTS
                                    : fault == Faults.Transient.INTERNAL_ERROR
                                            ? RejectionReason.INTERNAL_SERVER_ERROR
                                            : RejectionReason.SERVICE_UNAVAILABLE);
                }
                checkLiveActivity(headers, payload);
                CharSequence auth = headers.get("authorization");
                String key = auth + "|" + headers.get("apns-topic");
                long now = System.currentTimeMillis();
                Long since = auth == null ? null : verifiedAt.get(key);
                if (since != null && now - since < TRUST_MILLIS) {
                    checkDeviceAndPayload(headers, payload);
                    return;
                }
                full.handlePushNotification(headers, payload);
                if (auth != null) {
                    if (verifiedAt.size() >= MAX_ENTRIES) {
                        verifiedAt.clear();
                    }
                    verifiedAt.put(key, now);
                }
            };
        }

        private void checkDeviceAndPayload(Http2Headers headers, ByteBuf payload) throws RejectedNotificationException {
            CharSequence path = headers.path();
            if (path == null || !path.toString().startsWith(PATH_PREFIX)) {
                throw new RejectedNotificationException(RejectionReason.BAD_PATH);
            }
            String token = path.toString().substring(PATH_PREFIX.length());
            if (!DEVICE_TOKEN.matcher(token).matches()) {
                throw new RejectedNotificationException(RejectionReason.BAD_DEVICE_TOKEN);
            }
            Instant dead = tokens.dead.get(token);
            if (dead != null) {
                throw new UnregisteredToken(dead);
            }
            if (!tokens.live.contains(token)) {
                throw new RejectedNotificationException(RejectionReason.DEVICE_TOKEN_NOT_FOR_TOPIC);
            }
            if (payload == null || payload.readableBytes() == 0) {
                throw new RejectedNotificationException(RejectionReason.PAYLOAD_EMPTY);
            }
            if (payload.readableBytes() > 4096) {
                throw new RejectedNotificationException(RejectionReason.PAYLOAD_TOO_LARGE);
            }
        }
    }

    /**
     * Pushy's answer for a dead token, without the stack trace an exception fills in when made: the
     * emulator throws one for every notification to a dead token (about 5% of a bench campaign), and
     * filling in their traces took 2.8% of the emulators' JVM in a profile of one, a cost no real
     * APNs puts on the machine that sends.
     */
    private static final class UnregisteredToken extends UnregisteredDeviceTokenException {
        private static final long serialVersionUID = 1L;

        UnregisteredToken(Instant since) {
            super(since);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** Counts what each device token was sent and accepted: Live Activity pushes apart. */
    private static final class Counter implements MockApnsServerListener {
        private final TokenRegistry tokens;
        private final LiveActivityLog liveActivities;

        Counter(TokenRegistry tokens, LiveActivityLog liveActivities) {
            this.tokens = tokens;
            this.liveActivities = liveActivities;
        }

        @Override
        public void handlePushNotificationAccepted(Http2Headers headers, ByteBuf payload) {
            CharSequence path = headers.path();
            if (path == null || !path.toString().startsWith(PATH_PREFIX)) {
                return;
            }
            String token = path.toString().substring(PATH_PREFIX.length());
            String body = payload == null ? null : payload.toString(StandardCharsets.UTF_8);
            if (isLiveActivity(headers)) {
                // Accepted, so its payload was read once already without fault.
                liveActivities.recordPush(token, LiveActivityLog.Payload.parse(body));
            } else {
                tokens.recordDelivery(token, body);
            }
        }

        @Override
        public void handlePushNotificationRejected(
                Http2Headers headers, ByteBuf payload, RejectionReason reason, Instant deviceTokenExpirationTimestamp) {
            // Rejections are the job's receipts to report; the emulator counts deliveries only.
        }
    }
}
