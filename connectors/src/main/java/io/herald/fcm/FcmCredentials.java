package io.herald.fcm;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where an app's FCM bearer token comes from. Service-account tokens are minted by Google's auth
 * library and reused until shortly before they expire; the token itself is never logged.
 */
interface FcmCredentials {
    String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";

    /** A valid bearer token; may block briefly when a service-account token is refreshed. */
    String accessToken() throws IOException;

    static FcmCredentials forApp(FcmApp app) throws IOException {
        if (app.serviceAccountFile != null) {
            GoogleCredentials credentials;
            try (InputStream in = new FileInputStream(app.serviceAccountFile)) {
                credentials = GoogleCredentials.fromStream(in).createScoped(List.of(SCOPE));
            }
            return () -> {
                credentials.refreshIfExpired();
                AccessToken token = credentials.getAccessToken();
                return token.getTokenValue();
            };
        }
        if (app.accessTokenFile != null) {
            String token = Files.readString(Path.of(app.accessTokenFile), StandardCharsets.UTF_8).trim();
            return () -> token;
        }
        throw new IllegalArgumentException("app " + app.appId + " has neither fcm.serviceAccountFile nor "
                + "fcm.accessTokenFile");
    }
}
