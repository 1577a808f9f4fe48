package io.herald.fcm;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.budget.BudgetAccount;
import io.herald.budget.SendBudget;
import io.herald.delivery.Attempt;
import io.herald.delivery.Provider;
import io.herald.delivery.ProviderAnswers;
import io.herald.delivery.ProviderReply;
import io.herald.http2.Http2Connections;
import io.herald.json.Json;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.channel.EventLoopGroup;
import io.netty.util.AsciiString;
import java.io.File;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * FCM's HTTP v1 API as a {@link Provider} ({@code POST /v1/projects/{project}/messages:send}, one
 * message per request, multiplexed over a few long-lived HTTP/2 connections per app), each answer
 * read with {@link #ANSWERS}. Held to its project's quota, one budget for the apps of a project,
 * lent between the parallel instances by what each has to send.
 * Its client, {@link Http2Connections}, says when a request went out whole and when the server
 * said it did not take it, so a lost answer is told from a request never taken.
 */
public final class FcmProvider implements Provider {
    private static final long serialVersionUID = 1L;

    /**
     * FCM's answers, by the {@code FcmError} detail's errorCode: {@code UNREGISTERED} says the token
     * is dead; 401, and 403 but for {@code SENDER_ID_MISMATCH} (a 403 about one token), refuse the
     * credentials; 429 {@code QUOTA_EXCEEDED}, 500 {@code INTERNAL} and 503 {@code UNAVAILABLE} are
     * worth another try, after Retry-After.
     */
    public static final ProviderAnswers ANSWERS = ProviderAnswers.forProvider("FCM")
            .deadTokenReasons("UNREGISTERED")
            .credentialsRefused(401)
            .credentialsRefused(403)
            .notCredentials("SENDER_ID_MISMATCH")
            .build();

    private final List<FcmApp> apps;
    private final int connectionsPerApp;

    public FcmProvider(List<FcmApp> apps, int connectionsPerApp) {
        this.apps = apps;
        this.connectionsPerApp = connectionsPerApp;
    }

    @Override
    public Platform platform() {
        return Platform.ANDROID;
    }

    @Override
    public String id() {
        return "fcm";
    }

    @Override
    public String displayName() {
        return "FCM";
    }

    /**
     * FCM counts its quota per Firebase project, whichever app sends: the apps of one project share
     * one budget, the smallest {@code maxPerMinute} any of them states.
     */
    @Override
    public Map<String, SendBudget> budgets() {
        Map<String, Integer> perMinute = new HashMap<>();
        for (FcmApp app : apps) {
            perMinute.merge(app.projectId, app.maxPerMinute, Math::min);
        }
        Map<String, SendBudget> budgets = new HashMap<>();
        for (FcmApp app : apps) {
            budgets.put(
                    app.appId,
                    new SendBudget(BudgetAccount.fcmProject(app.projectId), perMinute.get(app.projectId) / 60.0));
        }
        return budgets;
    }

    @Override
    public Session connect(EventLoopGroup eventLoop, int instances) throws Exception {
        Map<String, Target> targets = new HashMap<>();
        for (FcmApp app : apps) {
            URI origin = URI.create(app.endpoint == null ? FcmApp.DEFAULT_ENDPOINT : app.endpoint);
            File trusted = app.trustedCertificateFile == null ? null : new File(app.trustedCertificateFile);
            targets.put(
                    app.appId,
                    new Target(
                            new Http2Connections(origin, trusted, connectionsPerApp, eventLoop),
                            "/v1/projects/" + app.projectId + "/messages:send",
                            FcmCredentials.forApp(app)));
        }
        return new AppSession<>(targets) {
            @Override
            public CompletableFuture<ProviderReply> send(Attempt attempt) {
                SendRequest request = attempt.request();
                Target target = apps.get(request.appId);
                return target.credentials
                        .accessToken()
                        .handle((token, mintError) -> {
                            if (mintError != null) {
                                // A failure to mint a token (the OAuth endpoint unreachable, say) is worth another try.
                                return CompletableFuture.completedFuture(new ProviderReply(
                                        Receipt.of(
                                                request,
                                                Outcome.FAILED,
                                                0,
                                                "could not obtain an FCM access token: "
                                                        + rootCause(mintError)
                                                                .getClass()
                                                                .getSimpleName(),
                                                0,
                                                System.currentTimeMillis()),
                                        0));
                            }
                            return target.connections
                                    .post(target.path, target.authorization(token), request.payload, attempt::written)
                                    .thenApply(response -> reply(
                                            request,
                                            response.status,
                                            response.body,
                                            ProviderAnswers.retryAfterMs(response.retryAfter),
                                            System.currentTimeMillis()));
                        })
                        .thenCompose(reply -> reply);
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
     * FCM's answer as a reply, read with {@link #ANSWERS}: the {@code FcmError} detail's errorCode is
     * the reason (the body of a success is not read).
     */
    static ProviderReply reply(SendRequest request, int status, String body, long retryAfterMs, long ackAt) {
        String code = status >= 200 && status < 300 ? null : errorCode(body);
        return ANSWERS.reply(request, status, code, retryAfterMs, ackAt, null);
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
