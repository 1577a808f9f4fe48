package io.herald.webpush;

import java.security.interfaces.ECPublicKey;
import java.util.Arrays;

/**
 * The keys a browser hands over with a push subscription ({@code PushSubscription.getKey}): the user
 * agent's P-256 public key ({@code p256dh}) and its 16-byte authentication secret ({@code auth}).
 * Checked when made: a key that is not a point of P-256, or a secret of another length, is refused
 * here, before any message is encrypted to it. Immutable; the secret is never in {@link #toString}.
 */
public final class SubscriptionKeys {
    /** The length of the authentication secret (RFC 8291 section 3.2). */
    public static final int AUTH_SECRET_LENGTH = 16;

    private final byte[] p256dh;
    private final ECPublicKey publicKey;
    private final byte[] authSecret;

    private SubscriptionKeys(byte[] p256dh, byte[] authSecret) {
        this.publicKey = P256.publicKey(p256dh);
        if (authSecret.length != AUTH_SECRET_LENGTH) {
            throw new IllegalArgumentException(
                    "a subscription's auth secret is 16 bytes; this one has " + authSecret.length + " bytes");
        }
        this.p256dh = p256dh.clone();
        this.authSecret = authSecret.clone();
    }

    /**
     * The keys as a subscription's JSON carries them ({@code keys.p256dh}, {@code keys.auth}).
     *
     * @throws IllegalArgumentException if either is missing, not base64url, or not a P-256 public key
     *     and a 16-byte secret
     */
    public static SubscriptionKeys fromBase64Url(String p256dh, String auth) {
        return new SubscriptionKeys(
                Base64Url.decode(p256dh, "the subscription's p256dh key"),
                Base64Url.decode(auth, "the subscription's auth secret"));
    }

    /** @see #fromBase64Url */
    public static SubscriptionKeys of(byte[] p256dh, byte[] authSecret) {
        return new SubscriptionKeys(p256dh, authSecret);
    }

    /** The user agent's public key, the 65-byte uncompressed point. */
    public byte[] p256dh() {
        return p256dh.clone();
    }

    /** The authentication secret, 16 bytes. */
    public byte[] authSecret() {
        return authSecret.clone();
    }

    ECPublicKey publicKey() {
        return publicKey;
    }

    /** The public key as base64url, as the subscription carries it. */
    public String p256dhBase64Url() {
        return Base64Url.encode(p256dh);
    }

    /** The authentication secret as base64url, as the subscription carries it. */
    public String authBase64Url() {
        return Base64Url.encode(authSecret);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubscriptionKeys other
                && Arrays.equals(p256dh, other.p256dh)
                && Arrays.equals(authSecret, other.authSecret);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(p256dh);
    }

    @Override
    public String toString() {
        return "SubscriptionKeys[p256dh=" + p256dhBase64Url() + "]";
    }
}
