package io.herald.fcm;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.json.Json;
import io.herald.model.Outcome;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * Sends Android notifications with FCM's HTTP v1 API ({@code POST /v1/projects/{project}/messages:send},
 * one message per request, multiplexed over HTTP/2) and turns every answer into a {@link Receipt}.
 * Non-blocking: the JDK client's futures complete the Flink result futures; the async operator's
 * capacity bounds the requests in flight.
 */
public final class FcmDelivery extends RichAsyncFunction<SendRequest, Receipt> {
    private static final long serialVersionUID = 1L;

    private final List<FcmApp> apps;

    private transient Map<String, Target> targets;
    private transient ExecutorService callbacks;

    public FcmDelivery(List<FcmApp> apps) {
        this.apps = apps;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        AtomicInteger n = new AtomicInteger();
        callbacks = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "herald-fcm-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        targets = new HashMap<>();
        for (FcmApp app : apps) {
            HttpClient.Builder b = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_2)
                    .connectTimeout(Duration.ofSeconds(10))
                    .executor(callbacks);
            if (app.trustedCertificateFile != null) {
                b.sslContext(trusting(app.trustedCertificateFile));
            }
            String endpoint = app.endpoint == null ? FcmApp.DEFAULT_ENDPOINT : app.endpoint;
            URI uri = URI.create(endpoint + "/v1/projects/" + app.projectId + "/messages:send");
            targets.put(app.appId, new Target(b.build(), uri, FcmCredentials.forApp(app)));
        }
    }

    private static SSLContext trusting(String pemFile) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = new FileInputStream(pemFile)) {
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("trusted-" + i++, c);
            }
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    @Override
    public void asyncInvoke(SendRequest request, ResultFuture<Receipt> result) {
        long now = System.currentTimeMillis();
        if (request.expiresAt != null && now > request.expiresAt) {
            result.complete(List.of(Receipt.of(request, Outcome.EXPIRED, 0, "campaign expired before sending", 0, now)));
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
        HttpRequest http = HttpRequest.newBuilder(target.uri)
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json; charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(request.payload))
                .build();
        target.client.sendAsync(http, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
            long ackAt = System.currentTimeMillis();
            result.complete(List.of(error != null
                    ? Receipt.of(request, Outcome.FAILED, 0, "connection: " + error.getClass().getSimpleName(), 1, ackAt)
                    : fromResponse(request, response.statusCode(), response.body(), ackAt)));
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
        Receipt r = Receipt.of(request, outcome, status, code, 1, ackAt);
        if (outcome == Outcome.TOKEN_DEAD) {
            r.tokenInvalidAt = ackAt;
        }
        return r;
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
    public void close() {
        if (callbacks != null) {
            callbacks.shutdownNow();
        }
    }

    private static final class Target {
        final HttpClient client;
        final URI uri;
        final FcmCredentials credentials;

        Target(HttpClient client, URI uri, FcmCredentials credentials) {
            this.client = client;
            this.uri = uri;
            this.credentials = credentials;
        }
    }
}
