package io.herald.job.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.auth.SigningKey;
import io.herald.auth.SigningKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reads signing keys from their files, where the job and the CLI need them (never into the job
 * graph): {@code {"keyId": "ops-2026", "secret": "<base64>"}}. An error names the file, never the
 * secret.
 */
public final class SigningKeyFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SigningKeyFiles() {}

    /** The key in {@code file}, speaking for {@code principal}. */
    public static SigningKey read(Path file, String principal) {
        JsonNode n;
        try {
            n = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("signing key file " + file + " cannot be read as JSON", e);
        }
        String keyId = n == null ? null : n.path("keyId").asText(null);
        String secret = n == null ? null : n.path("secret").asText(null);
        if (keyId == null || secret == null) {
            throw new IllegalArgumentException("signing key file " + file + " needs keyId and secret");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(secret.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("signing key file " + file + ": secret is not base64");
        }
        try {
            return new SigningKey(keyId, principal, bytes);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("signing key file " + file + ": " + e.getMessage());
        }
    }

    /** Every key the configuration lists. */
    public static SigningKeys load(HeraldConfig.Signing signing) {
        List<SigningKey> keys = new ArrayList<>();
        for (HeraldConfig.KeyFile k : signing.keys) {
            keys.add(read(Path.of(k.file), k.principal));
        }
        return new SigningKeys(keys, signing.windowMs);
    }

    /** The job's own key ({@link HeraldConfig.Signing#jobKeyId}), or null when none is set. */
    public static SigningKey jobKey(HeraldConfig.Signing signing) {
        if (signing.jobKeyId == null) {
            return null;
        }
        for (HeraldConfig.KeyFile k : signing.keys) {
            SigningKey key = read(Path.of(k.file), k.principal);
            if (key.keyId().equals(signing.jobKeyId)) {
                return key;
            }
        }
        throw new IllegalArgumentException("signing.jobKeyId " + signing.jobKeyId + " is not among signing.keys");
    }
}
