package io.herald.apns;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import io.herald.budget.BudgetAccount;
import io.herald.budget.SendBudget;
import io.herald.delivery.Attempt;
import io.herald.delivery.Provider;
import io.herald.delivery.ProviderAnswers;
import io.herald.delivery.ProviderReply;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * APNs as a {@link Provider}: one long-lived Pushy client per app (token auth), each answer read
 * with {@link #ANSWERS}. A request to a token goes through Pushy (a Live Activity push with push
 * type {@code liveactivity} and the topic {@code <bundle id>.push-type.liveactivity}); a request to
 * a broadcast channel ({@link SendRequest#channelId}) is one request for the whole channel,
 * through {@link ApnsBroadcasts}, read with its own table. Pushy would buffer without limit; the delivery operator's in-flight bound
 * is what limits it. Each client reports its HTTP/2 frames to a {@link StreamWatch}, which tells a
 * request that went out and lost its answer (unconfirmed) from one that never went out, or that the
 * server turned away with a GOAWAY (retried).
 */
public final class ApnsProvider implements Provider {
    private static final long serialVersionUID = 1L;

    /**
     * APNs's answers: 410, {@code Unregistered}, {@code BadDeviceToken} and
     * {@code DeviceTokenNotForTopic} say the token is dead; a 403 for the provider token (invalid,
     * expired, missing) refuses the app's credentials; 429 {@code TooManyRequests}, 500
     * {@code InternalServerError} and 503 {@code ServiceUnavailable} are worth another try.
     */
    public static final ProviderAnswers ANSWERS = ProviderAnswers.forProvider("APNs")
            .deadTokenStatuses(410)
            .deadTokenReasons("Unregistered", "BadDeviceToken", "DeviceTokenNotForTopic")
            .credentialsRefused(403, "InvalidProviderToken", "ExpiredProviderToken", "MissingProviderToken")
            .build();

    /** A Live Activity push's topic is the bundle id with this suffix. */
    static final String LIVE_ACTIVITY_TOPIC_SUFFIX = ".push-type.liveactivity";

    private final List<ApnsApp> apps;
    private final int connectionsPerApp;

    public ApnsProvider(List<ApnsApp> apps, int connectionsPerApp) {
        this.apps = apps;
        this.connectionsPerApp = connectionsPerApp;
    }

    @Override
    public Platform platform() {
        return Platform.IOS;
    }

    @Override
    public String id() {
        return "apns";
    }

    @Override
    public String displayName() {
        return "APNs";
    }

    /**
     * APNs publishes no quota: an app has a budget only where one is configured
     * ({@code apns.maxPerSecond}); without one it has no ceiling until APNs throttles it.
     */
    @Override
    public Map<String, SendBudget> budgets() {
        Map<String, SendBudget> budgets = new HashMap<>();
        for (ApnsApp app : apps) {
            if (app.maxPerSecond != null) {
                budgets.put(app.appId, new SendBudget(BudgetAccount.apnsApp(app.appId), app.maxPerSecond));
            }
        }
        return budgets;
    }

    @Override
    public Session connect(EventLoopGroup eventLoop, int instances) throws Exception {
        StreamWatch streams = new StreamWatch();
        Map<String, Target> targets = new HashMap<>();
        try {
            for (ApnsApp app : apps) {
                ApnsSigningKey key = app.signingKey();
                targets.put(
                        app.appId,
                        new Target(
                                client(app, key, eventLoop, streams),
                                app.topic,
                                app.topic + LIVE_ACTIVITY_TOPIC_SUFFIX,
                                // Broadcasts are one request per update, whatever the audience: one connection.
                                new ApnsBroadcasts(app, new ApnsProviderToken(key), 1, eventLoop)));
            }
        } catch (Exception e) {
            for (Target t : targets.values()) {
                t.close();
            }
            throw e;
        }
        return new AppSession<>(targets) {
            @Override
            public CompletableFuture<ProviderReply> send(Attempt attempt) {
                SendRequest request = attempt.request();
                Target target = apps.get(request.appId);
                if (request.channelId != null) {
                    return target.broadcasts.send(attempt);
                }
                Instant expiration = request.expiresAt != null
                        ? Instant.ofEpochMilli(request.expiresAt)
                        : Instant.now().plus(SimpleApnsPushNotification.DEFAULT_EXPIRATION_PERIOD);
                StreamWatch.Sent sent = streams.watch(attempt);
                SimpleApnsPushNotification notification = new SimpleApnsPushNotification(
                        request.token,
                        request.liveActivity ? target.liveActivityTopic : target.topic,
                        request.payload,
                        expiration,
                        request.priority == 5 ? DeliveryPriority.CONSERVE_POWER : DeliveryPriority.IMMEDIATE,
                        pushType(request),
                        request.collapseId,
                        sent.apnsId);
                return target.client.sendNotification(notification).handle((response, error) -> {
                    Throwable failure = streams.done(sent, error);
                    if (failure != null) {
                        throw failure instanceof CompletionException c ? c : new CompletionException(failure);
                    }
                    return reply(request, response, System.currentTimeMillis());
                });
            }

            @Override
            public void close() throws Exception {
                for (Target t : apps.values()) {
                    t.close();
                }
            }
        };
    }

    /** What an app's pushes go through: Pushy for tokens, {@link ApnsBroadcasts} for channels. */
    private record Target(ApnsClient client, String topic, String liveActivityTopic, ApnsBroadcasts broadcasts) {
        void close() throws Exception {
            broadcasts.close();
            client.close().get(10, TimeUnit.SECONDS);
        }
    }

    /** A Live Activity push's type, else a background push's, else an alert's. */
    static PushType pushType(SendRequest request) {
        if (request.liveActivity) {
            return PushType.LIVE_ACTIVITY;
        }
        return request.background ? PushType.BACKGROUND : PushType.ALERT;
    }

    private ApnsClient client(ApnsApp app, ApnsSigningKey key, EventLoopGroup eventLoop, StreamWatch streams)
            throws Exception {
        ApnsClientBuilder b = new ApnsClientBuilder()
                .setSigningKey(key)
                .setConcurrentConnections(connectionsPerApp)
                .setEventLoopGroup(eventLoop)
                .setConnectionTimeout(Duration.ofSeconds(10))
                .setFrameLogger(streams);
        if (app.host != null) {
            b.setApnsServer(app.host, app.port == null ? ApnsClientBuilder.DEFAULT_APNS_PORT : app.port);
        } else {
            b.setApnsServer(
                    "development".equals(app.environment)
                            ? ApnsClientBuilder.DEVELOPMENT_APNS_HOST
                            : ApnsClientBuilder.PRODUCTION_APNS_HOST);
        }
        if (app.trustedCertificateFile != null) {
            b.setTrustedServerCertificateChain(app.trustedCertificates());
        }
        return b.build();
    }

    /** APNs's answer as a reply: its status and reason ({@code unknown} for a refusal without one), read with {@link #ANSWERS}. */
    static ProviderReply reply(SendRequest request, PushNotificationResponse<?> response, long ackAt) {
        int status = response.getStatusCode();
        String reason =
                response.isAccepted() ? null : response.getRejectionReason().orElse("unknown");
        return ANSWERS.reply(
                request,
                status,
                reason,
                0,
                ackAt,
                response.getTokenInvalidationTimestamp()
                        .map(Instant::toEpochMilli)
                        .orElse(null));
    }
}
