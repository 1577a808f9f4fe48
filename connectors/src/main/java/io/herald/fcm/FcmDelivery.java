package io.herald.fcm;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.json.Json;
import io.herald.delivery.Provider;
import io.herald.delivery.RateLimiter;
import io.herald.delivery.RetryingSender;
import io.herald.model.Platform;
import io.herald.model.Outcome;
import io.netty.util.AsciiString;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.channel.EventLoopGroup;
import java.io.File;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * FCM's HTTP v1 API as a {@link Provider} ({@code POST /v1/projects/{project}/messages:send}, one
 * message per request, multiplexed over a few long-lived HTTP/2 connections per app), each answer
 * read into a {@link Receipt}. Held to the project's quota, shared evenly by the parallel instances.
 */
public final class FcmDelivery implements Provider {
    private static final long serialVersionUID = 1L;

    private final List<FcmApp> apps;
    private final int connectionsPerApp;

    public FcmDelivery(List<FcmApp> apps, int connectionsPerApp) {
        this.apps = apps;
        this.connectionsPerApp = connectionsPerApp;
    }

    @Override
    public Platform platform() {
        return Platform.ANDROID;
    }

    @Override
    public String displayName() {
        return "FCM";
    }

    @Override
    public Session connect(EventLoopGroup eventLoop, int instances) throws Exception {
        Map<String, Target> targets = new HashMap<>();
        for (FcmApp app : apps) {
            URI origin = URI.create(app.endpoint == null ? FcmApp.DEFAULT_ENDPOINT : app.endpoint);
            File trusted = app.trustedCertificateFile == null ? null : new File(app.trustedCertificateFile);
            targets.put(app.appId, new Target(new Http2Connections(origin, trusted, connectionsPerApp, eventLoop),
                    "/v1/projects/" + app.projectId + "/messages:send", FcmCredentials.forApp(app)));
        }
        // The project's quota, shared evenly by the parallel instances; it adapts further on 429s.
        // (One limit for all apps: apps of one deployment most often share a project.)
        int quotaPerMinute = apps.stream().mapToInt(a -> a.maxPerMinute).min().orElse(600_000);
        double perSecond = quotaPerMinute / 60.0 / instances;
        RateLimiter rate = new RateLimiter(perSecond, Math.min(10, perSecond));
        return new AppSession<>(targets, rate) {
            @Override
            public CompletableFuture<RetryingSender.Answer> send(SendRequest request) {
                Target target = apps.get(request.appId);
                return target.credentials.accessToken().handle((token, mintError) -> {
                    if (mintError != null) {
                        // A failure to mint a token (the OAuth endpoint unreachable, say) is worth another try.
                        return CompletableFuture.completedFuture(new RetryingSender.Answer(Receipt.of(
                                request, Outcome.FAILED, 0, "could not obtain an FCM access token: "
                                        + rootCause(mintError).getClass().getSimpleName(), 0, System.currentTimeMillis()), 0));
                    }
                    return target.connections.post(target.path, target.authorization(token), request.payload)
                            .thenApply(response -> {
                                Receipt r = fromResponse(request, response.status, response.body, System.currentTimeMillis());
                                return new RetryingSender.Answer(r, response.retryAfterMs,
                                        isCredentialFailure(response.status, r.reason));
                            });
                }).thenCompose(answer -> answer);
            }

            @Override
            public void close() {
                apps.values().forEach(t -> {
                    t.connections.close();
                    t.credentials.close();
                });
            }
        };
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


    private static final class Target {
        final Http2Connections connections;
        final AsciiString path;
        final FcmCredentials credentials;
        /**
         * The Authorization header of the current access token, made once per token: it is about a
         * kilobyte, and HPACK hashes it for every request (an AsciiString keeps its hash).
         */
        private volatile Authorization authorization;

        Target(Http2Connections connections, String path, FcmCredentials credentials) {
            this.connections = connections;
            this.path = AsciiString.of(path);
            this.credentials = credentials;
        }

        AsciiString authorization(String token) {
            Authorization a = authorization;
            if (a == null || !a.token.equals(token)) {
                a = new Authorization(token, AsciiString.of("Bearer " + token));
                authorization = a;
            }
            return a.header;
        }

        private record Authorization(String token, AsciiString header) {}
    }
}
