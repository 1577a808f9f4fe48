package io.herald.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One principal's key: an id (what a signature names), the principal it speaks for, and a secret of
 * at least 32 bytes. A principal may have two at once, while one replaces the other. The secret never
 * leaves this object: {@link #toString} leaves it out.
 */
public final class SigningKey {
    /** The least secret, in bytes: HMAC-SHA256's own output size. */
    public static final int MIN_SECRET_BYTES = 32;

    private static final String HMAC = "HmacSHA256";

    private final String keyId;
    private final String principal;
    private final byte[] secret;

    public SigningKey(String keyId, String principal, byte[] secret) {
        if (keyId == null || keyId.isBlank() || keyId.contains("\n")) {
            throw new IllegalArgumentException("a signing key needs an id on one line");
        }
        if (principal == null || principal.isBlank()) {
            throw new IllegalArgumentException("signing key " + keyId + " needs a principal");
        }
        if (secret == null || secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(
                    "signing key " + keyId + " has a secret shorter than " + MIN_SECRET_BYTES + " bytes");
        }
        this.keyId = keyId;
        this.principal = principal;
        this.secret = secret.clone();
    }

    public String keyId() {
        return keyId;
    }

    public String principal() {
        return principal;
    }

    /** Signs a record: its Kafka key and value, at {@code signedAt}, named by {@code nonce}. */
    public ControlSignature sign(byte[] kafkaKey, byte[] value, long signedAt, String nonce) {
        Objects.requireNonNull(nonce, "nonce");
        byte[] mac = mac(ControlSignature.message(keyId, signedAt, nonce, kafkaKey, value));
        return new ControlSignature(keyId, signedAt, nonce, Base64.getEncoder().encodeToString(mac));
    }

    /** Whether {@code signature} (made with this key) is of this Kafka key and value; in constant time. */
    boolean verifies(ControlSignature signature, byte[] kafkaKey, byte[] value) {
        byte[] given;
        try {
            given = Base64.getDecoder().decode(signature.mac);
        } catch (IllegalArgumentException notBase64) {
            return false;
        }
        byte[] expected = mac(ControlSignature.message(keyId, signature.signedAt, signature.nonce, kafkaKey, value));
        return MessageDigest.isEqual(expected, given);
    }

    private byte[] mac(byte[] message) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret, HMAC));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every Java runtime", e);
        }
    }

    @Override
    public String toString() {
        return "SigningKey[" + keyId + " of " + principal + "]";
    }
}
