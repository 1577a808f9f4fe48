package io.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.herald.json.Json;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FCM access tokens minted from a service-account JSON by google-auth, against a local token
 * endpoint that answers as Google's does: the signed JWT grant is checked, tokens are cached while
 * they live, and one close to its expiry is minted again.
 */
class FcmCredentialsTest {
    @TempDir
    Path dir;

    private HttpServer tokenEndpoint;
    private final AtomicInteger minted = new AtomicInteger();
    private final List<String> grants = new CopyOnWriteArrayList<>();
    private final CountDownLatch endpointMayAnswer = new CountDownLatch(1);
    private volatile boolean endpointWaits;

    private FcmApp appWithServiceAccount(long expiresInSeconds) throws Exception {
        tokenEndpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        tokenEndpoint.createContext("/token", exchange -> {
            grants.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            if (endpointWaits) {
                try {
                    endpointMayAnswer.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body = ("{\"access_token\":\"ya29.minted-" + minted.incrementAndGet() + "\",\"expires_in\":"
                            + expiresInSeconds + ",\"token_type\":\"Bearer\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        tokenEndpoint.start();

        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(rsa.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        ObjectNode account = Json.MAPPER.createObjectNode();
        account.put("type", "service_account");
        account.put("project_id", "example-news");
        account.put("private_key_id", "key-1");
        account.put("private_key", pem);
        account.put("client_email", "herald@example-news.iam.gserviceaccount.com");
        account.put("client_id", "1234567890");
        account.put(
                "token_uri", "http://127.0.0.1:" + tokenEndpoint.getAddress().getPort() + "/token");
        Path file = dir.resolve("service-account.json");
        Files.write(file, Json.MAPPER.writeValueAsBytes(account));

        FcmApp app = new FcmApp();
        app.appId = "news";
        app.projectId = "example-news";
        app.serviceAccountFile = file.toString();
        return app;
    }

    @AfterEach
    void stop() {
        if (tokenEndpoint != null) {
            tokenEndpoint.stop(0);
        }
    }

    @Test
    void aTokenIsMintedWithASignedGrantForTheMessagingScopeAndReusedWhileItLives() throws Exception {
        FcmCredentials credentials = FcmCredentials.forApp(appWithServiceAccount(3600));
        assertThat(credentials.accessToken().get()).isEqualTo("ya29.minted-1");
        assertThat(credentials.accessToken()).as("ready at once while it lives").isCompletedWithValue("ya29.minted-1");
        assertThat(minted.get()).isEqualTo(1);

        String grant = URLDecoder.decode(grants.get(0), StandardCharsets.UTF_8);
        assertThat(grant).contains("grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer");
        String jwt = grant.substring(grant.indexOf("assertion=") + "assertion=".length())
                .split("&")[0];
        String[] parts = jwt.split("\\.");
        assertThat(parts).hasSize(3);
        JsonNode header = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[0]));
        JsonNode claims = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertThat(header.path("alg").asText()).isEqualTo("RS256");
        assertThat(claims.path("iss").asText()).isEqualTo("herald@example-news.iam.gserviceaccount.com");
        assertThat(claims.path("scope").asText()).isEqualTo(FcmCredentials.SCOPE);
    }

    @Test
    void aTokenAboutToExpireIsMintedAgainBeforeUse() throws Exception {
        FcmCredentials credentials = FcmCredentials.forApp(appWithServiceAccount(60));
        assertThat(credentials.accessToken().get()).isEqualTo("ya29.minted-1");
        // Sixty seconds left is inside the renewal margin: the next use gets a fresh token.
        assertThat(credentials.accessToken().get()).isEqualTo("ya29.minted-2");
        assertThat(minted.get()).isEqualTo(2);
    }

    @Test
    void mintingNeverBlocksTheCallerAndRequestsWaitingMeanwhileShareOneMint() throws Exception {
        FcmCredentials credentials = FcmCredentials.forApp(appWithServiceAccount(3600));
        endpointWaits = true;
        CompletableFuture<String> first = credentials.accessToken();
        CompletableFuture<String> second = credentials.accessToken();
        // The token endpoint has not answered, yet both calls returned (on an event loop they must).
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        endpointMayAnswer.countDown();
        assertThat(first.get()).isEqualTo("ya29.minted-1");
        assertThat(second.get()).isEqualTo("ya29.minted-1");
        assertThat(minted.get()).isEqualTo(1);
        credentials.close();
    }
}
