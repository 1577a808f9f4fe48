package io.herald.fcm;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.json.Json;
import io.herald.kafka.Preflight;
import io.herald.model.Outcome;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
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

    private transient Map<String, Target> targets;
    private transient EventLoopGroup eventLoop;

    public FcmDelivery(List<FcmApp> apps, int connectionsPerApp) {
        this.apps = apps;
        this.connectionsPerApp = connectionsPerApp;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        eventLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("herald-fcm", true));
        targets = new HashMap<>();
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
        String token;
        try {
            token = target.credentials.accessToken();
        } catch (Exception e) {
            result.complete(List.of(Receipt.of(request, Outcome.FAILED, 0,
                    "could not obtain an FCM access token: " + e.getClass().getSimpleName(), 0, now)));
            return;
        }
        target.connections.post(target.path, "Bearer " + token, request.payload).whenComplete((response, error) -> {
            long ackAt = System.currentTimeMillis();
            result.complete(List.of(error != null
                    ? Receipt.of(request, Outcome.FAILED, 0, Receipt.describe(error), 1, ackAt)
                    : fromResponse(request, response.status, response.body, ackAt)));
        });
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
    public void timeout(SendRequest request, ResultFuture<Receipt> result) {
        result.complete(List.of(Receipt.of(request, Outcome.FAILED, 0, "timeout", 1, System.currentTimeMillis())));
    }

    @Override
    public void close() throws Exception {
        if (targets != null) {
            targets.values().forEach(t -> t.connections.close());
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
