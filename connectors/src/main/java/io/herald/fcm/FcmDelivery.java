package io.herald.fcm;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.json.Json;
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
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Sends Android notifications with FCM's HTTP v1 API ({@code POST /v1/projects/{project}/messages:send},
 * one message per request, multiplexed over a few long-lived HTTP/2 connections per app) and turns
 * every answer into a {@link Receipt}. Non-blocking: Netty's futures complete the Flink result
 * futures; the async operator's capacity bounds the requests in flight.
 */
public final class FcmDelivery extends RichAsyncFunction<SendRequest, Receipt> {
    private static final long serialVersionUID = 1L;

    private final List<FcmApp> apps;
    private final int connectionsPerApp;
    private final RetryPolicy retryPolicy;
    private final long timeoutMs;

    private transient Map<String, Target> targets;
    private transient EventLoopGroup eventLoop;
    private transient Timer timer;
    private transient RetryingSender sender;
    private transient CredentialStop credentialStop;
    private transient DeliveryMetrics metrics;

    /**
     * @param retryPolicy how transient failures are retried
     * @param timeoutMs how long a notification may go without a final answer; retries stop two thirds in
     */
    public FcmDelivery(List<FcmApp> apps, int connectionsPerApp, RetryPolicy retryPolicy, long timeoutMs) {
        this.apps = apps;
        this.connectionsPerApp = connectionsPerApp;
        this.retryPolicy = retryPolicy;
        this.timeoutMs = timeoutMs;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        eventLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("herald-fcm", true));
        targets = new HashMap<>();
        // The project's quota, shared evenly by the parallel instances; it adapts further on 429s.
        // (One sender for all apps: apps of one deployment most often share a project.)
        int instances = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        int quotaPerMinute = apps.stream().mapToInt(a -> a.maxPerMinute).min().orElse(600_000);
        double perSecond = quotaPerMinute / 60.0 / instances;
        timer = RetryingSender.newTimer("herald-fcm");
        sender = new RetryingSender(retryPolicy, eventLoop, new RateLimiter(perSecond, Math.min(10, perSecond)), timer, timeoutMs);
        credentialStop = new CredentialStop();
        metrics = new DeliveryMetrics(getRuntimeContext().getMetricGroup(), sender, credentialStop);
        for (FcmApp app : apps) {
            URI origin = URI.create(app.endpoint == null ? FcmApp.DEFAULT_ENDPOINT : app.endpoint);
            File trusted = app.trustedCertificateFile == null ? null : new File(app.trustedCertificateFile);
            targets.put(app.appId, new Target(new Http2Connections(origin, trusted, connectionsPerApp, eventLoop),
                    "/v1/projects/" + app.projectId + "/messages:send", FcmCredentials.forApp(app)));
        }
    }

    @Override
    public void asyncInvoke(SendRequest request, ResultFuture<Receipt> result) {
        long now = System.currentTimeMillis();
        Receipt refused = Preflight.refuse(request, now);
        if (refused != null) {
            result.complete(List.of(refused));
            return;
        }
        Target target = targets.get(request.appId);
        if (target == null) {
            result.complete(List.of(Receipt.of(request, Outcome.REJECTED, 0, "no FCM credentials for app", 0, now)));
            return;
        }
        String stopped = credentialStop.reason(request.appId);
        if (stopped != null) {
            result.complete(List.of(metrics.count(Receipt.of(request, Outcome.REJECTED, 0, stopped, 0, now))));
            return;
        }
        sender.send(() -> target.credentials.accessToken().handle((token, mintError) -> {
            if (mintError != null) {
                // A failure to mint a token (the OAuth endpoint unreachable, say) is worth another try.
                return java.util.concurrent.CompletableFuture.completedFuture(new RetryingSender.Answer(Receipt.of(
                        request, Outcome.FAILED, 0, "could not obtain an FCM access token: "
                                + rootCause(mintError).getClass().getSimpleName(), 0, System.currentTimeMillis()), 0));
            }
            long sentAt = metrics.started();
            return target.connections.post(target.path, "Bearer " + token, request.payload)
                    .whenComplete((ok, e) -> metrics.latency(sentAt))
                    .thenApply(response -> {
                        Receipt r = fromResponse(request, response.status, response.body, System.currentTimeMillis());
                        if (isCredentialFailure(response.status, r.reason)) {
                            credentialStop.stop(request.appId, response.status + " " + r.reason);
                            r.reason = credentialStop.reason(request.appId);
                        }
                        return new RetryingSender.Answer(r, response.retryAfterMs);
                    });
        }).thenCompose(answer -> answer),
                error -> Receipt.of(request, Outcome.FAILED, 0, Receipt.describe(error), 1, System.currentTimeMillis()),
                sender.deadline(request, now), r -> result.complete(List.of(metrics.count(r))));
    }

    /** The exception under the futures' wrappers (only its kind is reported: its text could quote the grant). */
    private static Throwable rootCause(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    /**
     * The project refused the access token (401), or the service account may not send for it (403);
     * SENDER_ID_MISMATCH is a 403 about one token, not the credentials.
     */
    static boolean isCredentialFailure(int status, String code) {
        return status == 401 || (status == 403 && !"SENDER_ID_MISMATCH".equals(code));
    }

    /** Maps an FCM answer to a receipt, reading the {@code FcmError} detail's errorCode when there is one. */
    static Receipt fromResponse(SendRequest request, int status, String body, long ackAt) {
        if (status == 200) {
            return Receipt.of(request, Outcome.DELIVERED, status, null, 1, ackAt);
        }
        String code = errorCode(body);
        Outcome outcome;
        if ("UNREGISTERED".equals(code)) {
            outcome = Outcome.TOKEN_DEAD;
        } else if (status == 429 || status >= 500) {
            // QUOTA_EXCEEDED (429), INTERNAL (500), UNAVAILABLE (503): worth another try, after Retry-After.
            outcome = Outcome.FAILED;
        } else {
            outcome = Outcome.REJECTED;
        }
        return Receipt.of(request, outcome, status, code, 1, ackAt);
    }

    /** The FcmError detail's errorCode, else {@code error.status}, else {@code HTTP_<status>}-like text. */
    static String errorCode(String body) {
        try {
            JsonNode error = Json.MAPPER.readTree(body).path("error");
            for (JsonNode detail : error.path("details")) {
                if (detail.path("@type").asText().endsWith("google.firebase.fcm.v1.FcmError")
                        && detail.hasNonNull("errorCode")) {
                    return detail.get("errorCode").asText();
                }
            }
            if (error.hasNonNull("status")) {
                return error.get("status").asText();
            }
        } catch (Exception e) {
            // not JSON: fall through to the plain answer
        }
        return "UNPARSEABLE_ERROR";
    }


    @Override
    public void close() throws Exception {
        if (targets != null) {
            targets.values().forEach(t -> {
                t.connections.close();
                t.credentials.close();
            });
        }
        if (timer != null) {
            timer.stop();
        }
        if (eventLoop != null) {
            eventLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    private static final class Target {
        final Http2Connections connections;
        final String path;
        final FcmCredentials credentials;

        Target(Http2Connections connections, String path, FcmCredentials credentials) {
            this.connections = connections;
            this.path = path;
            this.credentials = credentials;
        }
    }
}
