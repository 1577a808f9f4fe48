package io.herald.apns;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.DeliveryPriority;
import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.PushType;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import io.herald.delivery.CredentialStop;
import io.herald.delivery.DeliveryMetrics;
import io.herald.delivery.RateLimiter;
import io.herald.delivery.RetryPolicy;
import io.herald.delivery.RetryingSender;
import io.herald.kafka.Preflight;
import io.herald.model.Outcome;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Sends iOS notifications to APNs with one long-lived Pushy client per app, and turns every answer
 * into a {@link Receipt}. Transient failures are retried ({@link RetryingSender}); refused credentials
 * stop the app ({@link CredentialStop}). It never blocks: Pushy's futures complete the Flink result futures, and the
 * async operator's capacity is the bound on notifications in flight (Pushy itself would buffer
 * without limit).
 */
public final class ApnsDelivery extends RichAsyncFunction<SendRequest, Receipt> {
    private static final long serialVersionUID = 1L;

    /** However hard a provider throttles, a little keeps flowing so that recovery is noticed. */
    static final double MIN_RATE = 10;

    private final List<ApnsApp> apps;
    private final int connectionsPerApp;
    private final RetryPolicy retryPolicy;
    private final long timeoutMs;

    private transient Map<String, ApnsClient> clients;
    private transient Map<String, String> topics;
    private transient EventLoopGroup eventLoop;
    private transient Timer timer;
    private transient RetryingSender sender;
    private transient CredentialStop credentialStop;
    private transient DeliveryMetrics metrics;

    /**
     * @param retryPolicy how transient failures are retried
     * @param timeoutMs how long a notification may go without a final answer; retries stop two thirds in
     */
    public ApnsDelivery(List<ApnsApp> apps, int connectionsPerApp, RetryPolicy retryPolicy, long timeoutMs) {
        this.apps = apps;
        this.connectionsPerApp = connectionsPerApp;
        this.retryPolicy = retryPolicy;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        eventLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("herald-apns", true));
        clients = new HashMap<>();
        topics = new HashMap<>();
        // APNs publishes no quota: no ceiling until it throttles, then the rate adapts.
        timer = RetryingSender.newTimer("herald-apns");
        sender = new RetryingSender(retryPolicy, eventLoop, new RateLimiter(Double.POSITIVE_INFINITY, MIN_RATE), timer, timeoutMs);
        credentialStop = new CredentialStop();
        metrics = new DeliveryMetrics(getRuntimeContext().getMetricGroup(), sender, credentialStop);
        for (ApnsApp app : apps) {
            clients.put(app.appId, client(app));
            topics.put(app.appId, app.topic);
        }
    }

    private ApnsClient client(ApnsApp app) throws Exception {
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

    @Override
    public void asyncInvoke(SendRequest request, ResultFuture<Receipt> result) {
        long now = System.currentTimeMillis();
        Receipt refused = Preflight.refuse(request, now);
        if (refused != null) {
            result.complete(List.of(refused));
            return;
        }
        ApnsClient client = clients.get(request.appId);
        if (client == null) {
            result.complete(List.of(Receipt.of(request, Outcome.REJECTED, 0, "no APNs credentials for app", 0, now)));
            return;
        }
        String stopped = credentialStop.reason(request.appId);
        if (stopped != null) {
            result.complete(List.of(metrics.count(Receipt.of(request, Outcome.REJECTED, 0, stopped, 0, now))));
            return;
        }
        Instant expiration = request.expiresAt != null
                ? Instant.ofEpochMilli(request.expiresAt)
                : Instant.ofEpochMilli(now).plus(SimpleApnsPushNotification.DEFAULT_EXPIRATION_PERIOD);
        SimpleApnsPushNotification notification = new SimpleApnsPushNotification(request.token,
                topics.get(request.appId), request.payload, expiration,
                request.priority == 5 ? DeliveryPriority.CONSERVE_POWER : DeliveryPriority.IMMEDIATE,
                request.background ? PushType.BACKGROUND : PushType.ALERT, request.collapseId);
        sender.send(() -> {
            long sentAt = metrics.started();
            return client.sendNotification(notification).whenComplete((ok, e) -> metrics.latency(sentAt)).thenApply(response -> {
                Receipt r = fromResponse(request, response, System.currentTimeMillis());
                if (isCredentialFailure(response.getStatusCode(), r.reason)) {
                    credentialStop.stop(request.appId, r.reason);
                    r.reason = credentialStop.reason(request.appId);
                }
                return new RetryingSender.Answer(r, 0);
            });
        }, error -> Receipt.of(request, Outcome.FAILED, 0, Receipt.describe(error), 1, System.currentTimeMillis()),
                sender.deadline(request, now), r -> result.complete(List.of(metrics.count(r))));
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


    @Override
    public void close() throws Exception {
        if (clients != null) {
            for (ApnsClient c : clients.values()) {
                c.close().get(10, TimeUnit.SECONDS);
            }
            clients = Collections.emptyMap();
        }
        if (timer != null) {
            timer.stop();
        }
        if (eventLoop != null) {
            eventLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }
}
