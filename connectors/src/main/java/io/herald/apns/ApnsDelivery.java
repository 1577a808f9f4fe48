package io.herald.apns;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import io.herald.delivery.Provider;
import io.herald.delivery.RateLimiter;
import io.herald.delivery.RetryingSender;
import io.herald.model.Platform;
import io.herald.model.Outcome;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.channel.EventLoopGroup;
import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * APNs as a {@link Provider}: one long-lived Pushy client per app (token auth), each answer read
 * into a {@link Receipt}. Pushy would buffer without limit; the delivery operator's in-flight bound
 * is what limits it.
 */
public final class ApnsDelivery implements Provider {
    private static final long serialVersionUID = 1L;

    /** However hard a provider throttles, a little keeps flowing so that recovery is noticed. */
    static final double MIN_RATE = 10;

    private final List<ApnsApp> apps;
    private final int connectionsPerApp;

    public ApnsDelivery(List<ApnsApp> apps, int connectionsPerApp) {
        this.apps = apps;
        this.connectionsPerApp = connectionsPerApp;
    }

    @Override
    public Platform platform() {
        return Platform.IOS;
    }

    @Override
    public String displayName() {
        return "APNs";
    }

    @Override
    public Session connect(EventLoopGroup eventLoop, int instances) throws Exception {
        Map<String, ApnsClient> clients = new HashMap<>();
        Map<String, String> topics = new HashMap<>();
        for (ApnsApp app : apps) {
            clients.put(app.appId, client(app, eventLoop));
            topics.put(app.appId, app.topic);
        }
        // APNs publishes no quota: no ceiling until it throttles, then the rate adapts.
        RateLimiter rate = new RateLimiter(Double.POSITIVE_INFINITY, MIN_RATE);
        return new AppSession<>(clients, rate) {
            @Override
            public CompletableFuture<RetryingSender.Answer> send(SendRequest request) {
                Instant expiration = request.expiresAt != null
                        ? Instant.ofEpochMilli(request.expiresAt)
                        : Instant.now().plus(SimpleApnsPushNotification.DEFAULT_EXPIRATION_PERIOD);
                SimpleApnsPushNotification notification = new SimpleApnsPushNotification(request.token,
                        topics.get(request.appId), request.payload, expiration,
                        request.priority == 5 ? DeliveryPriority.CONSERVE_POWER : DeliveryPriority.IMMEDIATE,
                        request.background ? PushType.BACKGROUND : PushType.ALERT, request.collapseId);
                return apps.get(request.appId).sendNotification(notification).thenApply(response -> {
                    Receipt r = fromResponse(request, response, System.currentTimeMillis());
                    return new RetryingSender.Answer(r, 0, isCredentialFailure(response.getStatusCode(), r.reason));
                });
            }

            @Override
            public void close() throws Exception {
                for (ApnsClient c : apps.values()) {
                    c.close().get(10, TimeUnit.SECONDS);
                }
            }
        };
    }

    private ApnsClient client(ApnsApp app, EventLoopGroup eventLoop) throws Exception {
        ApnsClientBuilder b = new ApnsClientBuilder()
                .setSigningKey(ApnsSigningKey.loadFromPkcs8File(new File(app.keyFile), app.teamId, app.keyId))
                .setConcurrentConnections(connectionsPerApp)
                .setEventLoopGroup(eventLoop)
                .setConnectionTimeout(Duration.ofSeconds(10));
        if (app.host != null) {
            b.setApnsServer(app.host, app.port == null ? ApnsClientBuilder.DEFAULT_APNS_PORT : app.port);
        } else {
            b.setApnsServer("development".equals(app.environment)
                    ? ApnsClientBuilder.DEVELOPMENT_APNS_HOST
                    : ApnsClientBuilder.PRODUCTION_APNS_HOST);
        }
        if (app.trustedCertificateFile != null) {
            b.setTrustedServerCertificateChain(new File(app.trustedCertificateFile));
        }
        return b.build();
    }

    /** The app's signing key was refused: every notification for it would be. */
    static boolean isCredentialFailure(int status, String reason) {
        return status == 403 && ("InvalidProviderToken".equals(reason) || "ExpiredProviderToken".equals(reason)
                || "MissingProviderToken".equals(reason));
    }

    static Receipt fromResponse(SendRequest request, PushNotificationResponse<?> response, long ackAt) {
        if (response.isAccepted()) {
            return Receipt.of(request, Outcome.DELIVERED, response.getStatusCode(), null, 1, ackAt);
        }
        String reason = response.getRejectionReason().orElse("unknown");
        int status = response.getStatusCode();
        Receipt r = Receipt.of(request, outcomeOf(status, reason), status, reason, 1, ackAt);
        if (r.outcome == Outcome.TOKEN_DEAD) {
            r.tokenInvalidAt = response.getTokenInvalidationTimestamp().map(Instant::toEpochMilli).orElse(null);
        }
        return r;
    }

    /** APNs rejections by kind: dead tokens, transient failures (429, 5xx), the rest refused for good. */
    static Outcome outcomeOf(int status, String reason) {
        if (status == 410 || "Unregistered".equals(reason) || "BadDeviceToken".equals(reason)
                || "DeviceTokenNotForTopic".equals(reason)) {
            return Outcome.TOKEN_DEAD;
        }
        // 429 TooManyRequests, 500 InternalServerError, 503 ServiceUnavailable: worth another try.
        return status == 429 || status >= 500 ? Outcome.FAILED : Outcome.REJECTED;
    }
}
