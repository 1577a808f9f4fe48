package io.herald.fcm;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Where an app's FCM bearer token comes from. Service-account tokens are minted by Google's auth
 * library and reused until shortly before they expire; the token itself is never logged.
 */
interface FcmCredentials extends AutoCloseable {
    String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";

    /**
     * A valid bearer token. It is ready at once while the current one lives; minting a new one is an
     * HTTP call to Google, made on a thread of its own so that it never holds up an event loop.
     */
    CompletableFuture<String> accessToken();

    @Override
    default void close() {}

    static FcmCredentials forApp(FcmApp app) throws IOException {
        if (app.serviceAccountFile != null) {
            try (InputStream in = new FileInputStream(app.serviceAccountFile)) {
                return new ServiceAccount(GoogleCredentials.fromStream(in).createScoped(List.of(SCOPE)));
            }
        }
        if (app.accessTokenFile != null) {
            CompletableFuture<String> token = CompletableFuture.completedFuture(
                    Files.readString(Path.of(app.accessTokenFile), StandardCharsets.UTF_8)
                            .trim());
            return () -> token;
        }
        throw new IllegalArgumentException(
                "app " + app.appId + " has neither fcm.serviceAccountFile nor " + "fcm.accessTokenFile");
    }

    /** Tokens minted from a service account, one mint at a time, shared by every request waiting for it. */
    final class ServiceAccount implements FcmCredentials {
        /** A token with less left than this is replaced before use (Google's own margin is under 4 minutes). */
        static final Duration RENEW_BEFORE_EXPIRY = Duration.ofMinutes(5);

        private final GoogleCredentials credentials;
        private final ExecutorService minter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fcm-token-minter");
            t.setDaemon(true);
            return t;
        });
        private CompletableFuture<String> minting;

        ServiceAccount(GoogleCredentials credentials) {
            this.credentials = credentials;
        }

        @Override
        public synchronized CompletableFuture<String> accessToken() {
            AccessToken current = credentials.getAccessToken();
            if (current != null
                    && current.getExpirationTime() != null
                    && current.getExpirationTime().getTime() - System.currentTimeMillis()
                            > RENEW_BEFORE_EXPIRY.toMillis()) {
                return CompletableFuture.completedFuture(current.getTokenValue());
            }
            if (minting == null || minting.isDone()) {
                minting = CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                credentials.refresh();
                                return credentials.getAccessToken().getTokenValue();
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        },
                        minter);
            }
            return minting;
        }

        @Override
        public void close() {
            minter.shutdownNow();
        }
    }
}
