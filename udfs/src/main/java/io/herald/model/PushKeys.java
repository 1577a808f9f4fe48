package io.herald.model;

import java.util.Objects;

/**
 * The keys of a browser's push subscription (the W3C Push API's {@code PushSubscription.keys}): the
 * user agent's P-256 public key ({@code p256dh}, 65 bytes uncompressed) and its authentication
 * secret ({@code auth}, 16 bytes), both base64url as the browser gives them. A web device's token
 * is the subscription's endpoint URL; these keys go with it, set and replaced together (RFC 8291
 * encrypts every payload to them).
 */
public class PushKeys {
    /** The user agent's public key, base64url (no padding). */
    public String p256dh;
    /** The authentication secret, base64url (no padding). */
    public String auth;

    public PushKeys() {}

    public static PushKeys of(String p256dh, String auth) {
        PushKeys k = new PushKeys();
        k.p256dh = p256dh;
        k.auth = auth;
        return k;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PushKeys
                && Objects.equals(((PushKeys) o).p256dh, p256dh)
                && Objects.equals(((PushKeys) o).auth, auth);
    }

    @Override
    public int hashCode() {
        return Objects.hash(p256dh, auth);
    }

    /** Names the kind only: the secret is not printed. */
    @Override
    public String toString() {
        return "PushKeys[p256dh=" + p256dh + ", auth=(hidden)]";
    }
}
