package io.herald.auth;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys a deployment knows, by id: what checks a control record's signature and names who wrote
 * it, or says why it cannot.
 */
public final class SigningKeys {
    private final Map<String, SigningKey> byId = new LinkedHashMap<>();
    private final long windowMs;

    /**
     * @param windowMs how far a signature's time may be from the record's Kafka timestamp, either way
     */
    public SigningKeys(List<SigningKey> keys, long windowMs) {
        for (SigningKey k : keys) {
            if (byId.put(k.keyId(), k) != null) {
                throw new IllegalArgumentException("two signing keys have the id " + k.keyId());
            }
        }
        this.windowMs = windowMs;
    }

    /** What a record's signature says: who signed it, or why it does not say. */
    public sealed interface Verdict {
        /** Signed by {@code principal}'s key {@code keyId}, at {@code signedAt}, named {@code nonce}. */
        record Signed(String principal, String keyId, long signedAt, String nonce) implements Verdict {}

        /** Not signed at all. */
        record Unsigned() implements Verdict {}

        /** Signed, but not acceptably: why, in words a person can act on. */
        record Refused(String why) implements Verdict {}
    }

    /**
     * Checks {@code signature} (null for a record without one) of a record with {@code kafkaKey} and
     * {@code value}, written at {@code recordTimestamp} (epoch ms).
     */
    public Verdict verify(ControlSignature signature, byte[] kafkaKey, byte[] value, long recordTimestamp) {
        if (signature == null) {
            return new Verdict.Unsigned();
        }
        String missing = signature.keyId == null
                ? ControlSignature.KEY_ID_HEADER
                : signature.signedAt == null
                        ? ControlSignature.SIGNED_AT_HEADER + " (epoch ms)"
                        : signature.nonce == null
                                ? ControlSignature.NONCE_HEADER
                                : signature.mac == null ? ControlSignature.MAC_HEADER : null;
        if (missing != null) {
            return new Verdict.Refused("a signature without its " + missing);
        }
        SigningKey key = byId.get(signature.keyId);
        if (key == null) {
            return new Verdict.Refused("signed with unknown key '" + signature.keyId + "'");
        }
        if (!key.verifies(signature, kafkaKey, value)) {
            return new Verdict.Refused("bad signature (key '" + signature.keyId + "')");
        }
        if (Math.abs(recordTimestamp - signature.signedAt) > windowMs) {
            return new Verdict.Refused("signed at " + signature.signedAt + ", more than " + windowMs
                    + " ms from when the record was written (" + recordTimestamp + ")");
        }
        return new Verdict.Signed(key.principal(), key.keyId(), signature.signedAt, signature.nonce);
    }

    public long windowMs() {
        return windowMs;
    }
}
