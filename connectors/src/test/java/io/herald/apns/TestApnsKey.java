package io.herald.apns;

import static org.assertj.core.api.Assertions.assertThat;

import com.eatthepath.pushy.apns.auth.ApnsVerificationKey;
import com.eatthepath.pushy.apns.auth.AuthenticationToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.herald.http2.TestHttp2Server;
import io.herald.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/** An app's .p8 signing key made for a test, its app settings, and a check of the tokens it signs. */
public final class TestApnsKey {
    public static final String TEAM = "TEAM123456";
    public static final String KEY_ID = "KEY1234567";
    public static final String BUNDLE = "io.herald.demo";

    private final KeyPair pair;
    private final Path keyFile;

    private TestApnsKey(KeyPair pair, Path keyFile) {
        this.pair = pair;
        this.keyFile = keyFile;
    }

    /** A new P-256 key, written as Apple hands it out (PKCS#8 PEM) into {@code dir}. */
    public static TestApnsKey create(Path dir) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair pair = generator.generateKeyPair();
        Path file = dir.resolve("AuthKey_" + KEY_ID + ".p8");
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Files.writeString(file, pem);
        return new TestApnsKey(pair, file);
    }

    /** An app with this key, trusting the test server's certificate. */
    public ApnsApp app() throws Exception {
        ApnsApp app = new ApnsApp();
        app.appId = "ios-app";
        app.keyFile = keyFile.toString();
        app.keyId = KEY_ID;
        app.teamId = TEAM;
        app.topic = BUNDLE;
        app.environment = "development";
        app.trustedCertificateFile = TestHttp2Server.trustedCertificates().toString();
        return app;
    }

    /** The .p8 file's text, to check it never shows. */
    public String pem() throws Exception {
        return Files.readString(keyFile);
    }

    /**
     * Asserts {@code authorization} is {@code bearer <jwt>}: ES256, signed by this key (checked with
     * its public key), naming the key and the team, issued within the last hour.
     */
    public void assertSigned(String authorization) throws Exception {
        assertThat(authorization).startsWith("bearer ");
        String jwt = authorization.substring("bearer ".length());
        ApnsVerificationKey verification = new ApnsVerificationKey(KEY_ID, TEAM, (ECPublicKey) pair.getPublic());
        assertThat(new AuthenticationToken(jwt).verifySignature(verification))
                .as("the token's signature verifies with the key's public half")
                .isTrue();
        String[] parts = jwt.split("\\.");
        JsonNode header = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[0]));
        JsonNode claims = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertThat(header.get("alg").asText()).isEqualTo("ES256");
        assertThat(header.get("kid").asText()).isEqualTo(KEY_ID);
        assertThat(claims.get("iss").asText()).isEqualTo(TEAM);
        assertThat(claims.get("iat").asLong())
                .isBetween(System.currentTimeMillis() / 1000 - 3600, System.currentTimeMillis() / 1000 + 1);
    }
}
