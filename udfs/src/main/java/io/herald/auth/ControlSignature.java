package io.herald.auth;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A control record's signature, as its Kafka headers carry it: the key it was made with, when, a
 * nonce that names the record, and the HMAC-SHA256 (base64) of {@link #message}. Written by
 * {@link SigningKey#sign}; a client in another language writes the same four headers.
 */
public class ControlSignature {
    /** The Kafka headers, each a UTF-8 string. */
    public static final String KEY_ID_HEADER = "herald-key-id";

    public static final String SIGNED_AT_HEADER = "herald-signed-at";
    public static final String NONCE_HEADER = "herald-nonce";
    public static final String MAC_HEADER = "herald-mac";

    /** What a signature's version is called in what it signs. */
    static final String VERSION = "herald-control-v1";

    public String keyId;
    /** Epoch ms; null when the header is missing or not a number. */
    public Long signedAt;

    public String nonce;
    /** Base64 of the HMAC-SHA256. */
    public String mac;

    public ControlSignature() {}

    public ControlSignature(String keyId, Long signedAt, String nonce, String mac) {
        this.keyId = keyId;
        this.signedAt = signedAt;
        this.nonce = nonce;
        this.mac = mac;
    }

    /** The four headers a record carries this signature in. */
    public Map<String, String> headers() {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(KEY_ID_HEADER, keyId);
        h.put(SIGNED_AT_HEADER, Long.toString(signedAt));
        h.put(NONCE_HEADER, nonce);
        h.put(MAC_HEADER, mac);
        return h;
    }

    /**
     * What is signed: {@code herald-control-v1}, the key id, the time, the nonce and the record's
     * Kafka key in base64 (empty for none), a line each, then the record's value as written. The key
     * is in it so that a record moved to another key (another campaign's partition) does not verify.
     */
    public static byte[] message(String keyId, long signedAt, String nonce, byte[] kafkaKey, byte[] value) {
        byte[] head = (VERSION + "\n" + keyId + "\n" + signedAt + "\n" + nonce + "\n"
                        + (kafkaKey == null ? "" : Base64.getEncoder().encodeToString(kafkaKey)) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + (value == null ? 0 : value.length)];
        System.arraycopy(head, 0, all, 0, head.length);
        if (value != null) {
            System.arraycopy(value, 0, all, head.length, value.length);
        }
        return all;
    }
}
