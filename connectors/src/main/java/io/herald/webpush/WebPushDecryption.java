package io.herald.webpush;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;

/**
 * What a browser does with a push message: one subscription's user agent keys (its P-256 key pair
 * and auth secret), and the decryption of the bodies sent to it (RFC 8291 over RFC 8188's
 * {@code aes128gcm}). Herald never decrypts in production; this is for its tests and for the
 * sandbox's push service emulator, which make subscriptions with {@link #generate()} and check
 * that what arrives opens to what was sent.
 *
 * <p>It takes what RFC 8291 lets a user agent take and nothing more: one record, a keyid that is a
 * P-256 point, content that ends with the delimiter 0x02 and zero or more zeros. The record size is
 * read but not authenticated by the content coding: a body whose {@code rs} was changed still opens
 * if one record still holds the ciphertext, as RFC 8291 section 4 allows a user agent to ignore it.
 */
public final class WebPushDecryption {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ECPrivateKey privateKey;
    private final SubscriptionKeys subscription;

    private WebPushDecryption(ECPrivateKey privateKey, SubscriptionKeys subscription) {
        this.privateKey = privateKey;
        this.subscription = subscription;
    }

    /** A new subscription's keys: a fresh P-256 key pair and a random 16-byte auth secret. */
    public static WebPushDecryption generate() {
        KeyPair pair = P256.generateKeyPair(RANDOM);
        byte[] authSecret = new byte[SubscriptionKeys.AUTH_SECRET_LENGTH];
        RANDOM.nextBytes(authSecret);
        return new WebPushDecryption(
                (ECPrivateKey) pair.getPrivate(),
                SubscriptionKeys.of(P256.uncompressed((ECPublicKey) pair.getPublic()), authSecret));
    }

    /**
     * Known user agent keys, as RFC 8291's example prints them.
     *
     * @param privateKey the 32-byte private scalar, base64url
     * @param publicKey the uncompressed public key ({@code p256dh}), base64url
     * @param authSecret the 16-byte auth secret, base64url
     * @throws IllegalArgumentException if a value is malformed, or the keys are not one pair
     */
    public static WebPushDecryption fromBase64Url(String privateKey, String publicKey, String authSecret) {
        ECPrivateKey ownKey = P256.privateKey(Base64Url.decode(privateKey, "the user agent's private key"));
        SubscriptionKeys subscription = SubscriptionKeys.fromBase64Url(publicKey, authSecret);
        if (!P256.arePair(ownKey, subscription.publicKey())) {
            throw new IllegalArgumentException("the user agent's private and public keys are not one pair");
        }
        return new WebPushDecryption(ownKey, subscription);
    }

    /** What the browser hands the application server: {@code p256dh} and {@code auth}. */
    public SubscriptionKeys subscriptionKeys() {
        return subscription;
    }

    /**
     * The plaintext of a body sent to this subscription.
     *
     * @throws javax.crypto.AEADBadTagException if it was not encrypted to this subscription (another
     *     key or auth secret) or was changed on the way
     * @throws GeneralSecurityException if it is not a single-record {@code aes128gcm} body as RFC
     *     8291 allows (the message says what is wrong)
     */
    public byte[] decrypt(byte[] body) throws GeneralSecurityException {
        if (body.length < Aes128GcmRecord.HEADER_LENGTH + Aes128GcmRecord.TAG_LENGTH + 1) {
            throw new GeneralSecurityException(
                    "a web push body is at least 103 bytes (header, delimiter, tag); this one has " + body.length);
        }
        ByteBuffer in = ByteBuffer.wrap(body);
        byte[] salt = new byte[Aes128GcmRecord.SALT_LENGTH];
        in.get(salt);
        long recordSize = Integer.toUnsignedLong(in.getInt());
        int keyIdLength = Byte.toUnsignedInt(in.get());
        if (keyIdLength != P256.PUBLIC_KEY_LENGTH) {
            throw new GeneralSecurityException(
                    "the keyid must be the sender's 65-byte public key (RFC 8291 section 4); idlen is " + keyIdLength);
        }
        byte[] senderPublic = new byte[keyIdLength];
        in.get(senderPublic);
        byte[] sealed = new byte[in.remaining()];
        in.get(sealed);
        // RFC 8188 section 2: rs is at least 18; a longer ciphertext than rs would be a second record.
        if (recordSize < 18 || sealed.length > recordSize) {
            throw new GeneralSecurityException("a web push body is one record: rs " + recordSize + " does not hold its "
                    + sealed.length + " bytes of ciphertext");
        }
        ECPublicKey sender;
        try {
            sender = P256.publicKey(senderPublic);
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("the keyid: " + e.getMessage());
        }

        byte[] ecdhSecret = P256.sharedSecret(privateKey, sender);
        Aes128GcmRecord record = Aes128GcmRecord.derive(
                ecdhSecret, subscription.authSecret(), subscription.p256dh(), senderPublic, salt);
        byte[] content = record.open(sealed);
        return withoutPadding(content);
    }

    /** The plaintext before the delimiter: the last non-zero byte must be 0x02 (RFC 8291 section 4). */
    private static byte[] withoutPadding(byte[] content) throws GeneralSecurityException {
        int delimiter = content.length - 1;
        while (delimiter >= 0 && content[delimiter] == 0) {
            delimiter--;
        }
        if (delimiter < 0 || content[delimiter] != Aes128GcmRecord.LAST_RECORD_DELIMITER) {
            throw new GeneralSecurityException("the record does not end with the delimiter 0x02 and padding zeros");
        }
        return Arrays.copyOf(content, delimiter);
    }

    @Override
    public String toString() {
        return "WebPushDecryption[p256dh=" + subscription.p256dhBase64Url() + "]";
    }
}
