package io.herald.webpush;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The single record of a web push message body: the {@code aes128gcm} content coding of RFC 8188 as
 * RFC 8291 restricts it. Holds the record's content encryption key and nonce, derived from the ECDH
 * secret, the subscription's auth secret, both public keys and the salt (RFC 8291 section 3.4), and
 * seals or opens the record with AES-128-GCM. Both sides use it: {@link WebPushEncryption} and
 * {@link WebPushDecryption}.
 */
final class Aes128GcmRecord {
    static final int SALT_LENGTH = 16;
    /** The record size written in every header: a push service need take no larger body (RFC 8030 section 7.2). */
    static final int RECORD_SIZE = 4096;
    /** salt, rs (4 bytes), idlen (1 byte), keyid (the sender's 65-byte public key). */
    static final int HEADER_LENGTH = SALT_LENGTH + 4 + 1 + P256.PUBLIC_KEY_LENGTH;

    static final int TAG_LENGTH = 16;
    /** Ends the content of the last (here, the only) record; padding zeros may follow it (RFC 8188 section 2). */
    static final byte LAST_RECORD_DELIMITER = 0x02;

    private static final byte[] KEY_INFO = "WebPush: info\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CEK_INFO = "Content-Encoding: aes128gcm\0".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NONCE_INFO = "Content-Encoding: nonce\0".getBytes(StandardCharsets.US_ASCII);
    private static final int CEK_LENGTH = 16;
    private static final int NONCE_LENGTH = 12;

    private final byte[] contentEncryptionKey;
    /** The first record's nonce: RFC 8188 XORs in the record's sequence number, which is 0 here. */
    private final byte[] nonce;

    private Aes128GcmRecord(byte[] contentEncryptionKey, byte[] nonce) {
        this.contentEncryptionKey = contentEncryptionKey;
        this.nonce = nonce;
    }

    /**
     * @param ecdhSecret the ECDH shared secret of the sender's and the user agent's keys
     * @param uaPublic the user agent's public key ({@code p256dh}), uncompressed
     * @param asPublic the sender's (ephemeral) public key, uncompressed: the header's keyid
     */
    static Aes128GcmRecord derive(byte[] ecdhSecret, byte[] authSecret, byte[] uaPublic, byte[] asPublic, byte[] salt) {
        try {
            byte[] keyInfo = concat(KEY_INFO, uaPublic, asPublic);
            byte[] ikm = expand(extract(authSecret, ecdhSecret), keyInfo, 32);
            byte[] prk = extract(salt, ikm);
            return new Aes128GcmRecord(expand(prk, CEK_INFO, CEK_LENGTH), expand(prk, NONCE_INFO, NONCE_LENGTH));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no HmacSHA256", e);
        }
    }

    /** AES-128-GCM of the record's content (the plaintext, its delimiter and any padding), the tag appended. */
    byte[] seal(byte[] content) {
        try {
            return cipher(Cipher.ENCRYPT_MODE).doFinal(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-128-GCM encryption failed", e);
        }
    }

    /**
     * The record's content, delimiter and padding included.
     *
     * @throws javax.crypto.AEADBadTagException if the record was not sealed with this key and nonce, or
     *     was changed since
     */
    byte[] open(byte[] sealed) throws GeneralSecurityException {
        return cipher(Cipher.DECRYPT_MODE).doFinal(sealed);
    }

    private Cipher cipher(int mode) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(contentEncryptionKey, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, nonce));
        return cipher;
    }

    /** The body's header: salt, rs, idlen, keyid (RFC 8188 section 2.1). */
    static void writeHeader(ByteBuffer into, byte[] salt, int recordSize, byte[] keyId) {
        into.put(salt).putInt(recordSize).put((byte) keyId.length).put(keyId);
    }

    /** HKDF-Extract with SHA-256 (RFC 5869 section 2.2). */
    private static byte[] extract(byte[] salt, byte[] inputKeyingMaterial) throws GeneralSecurityException {
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(salt, "HmacSHA256"));
        return hmac.doFinal(inputKeyingMaterial);
    }

    /** HKDF-Expand with SHA-256 for at most 32 bytes: one HMAC block is enough (RFC 5869 section 2.3). */
    private static byte[] expand(byte[] pseudorandomKey, byte[] info, int length) throws GeneralSecurityException {
        Mac hmac = Mac.getInstance("HmacSHA256");
        hmac.init(new SecretKeySpec(pseudorandomKey, "HmacSHA256"));
        hmac.update(info);
        hmac.update((byte) 0x01);
        return Arrays.copyOf(hmac.doFinal(), length);
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        ByteBuffer joined = ByteBuffer.allocate(length);
        for (byte[] part : parts) {
            joined.put(part);
        }
        return joined.array();
    }
}
