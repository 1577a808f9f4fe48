package io.herald.webpush;

import java.io.Serializable;

/**
 * One app's web push settings. The VAPID private key is read from a file by each task when it
 * starts ({@link VapidKeys#read}): the configuration, and the job graph, carry its path, never the
 * key. No send budget: push services publish no quota, and each browser vendor's answers (429 with
 * Retry-After) are what slow the sender.
 */
public class WebPushApp implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Four weeks, the longest TTL push services commonly keep a message for. */
    public static final int DEFAULT_TTL_SECONDS = 2_419_200;

    public String appId;
    /** A file holding the VAPID private key alone, base64url (the raw 32-byte scalar). */
    public String vapidPrivateKeyFile;
    /** The VAPID public key, base64url uncompressed point: the app's {@code applicationServerKey}. */
    public String vapidPublicKey;
    /** The VAPID {@code sub}: a {@code mailto:} address or an {@code https:} URL (RFC 8292). */
    public String subject;
    /** PEM certificates to trust instead of the system's, for the sandbox's emulator; null: the system's. */
    public String trustedCertificateFile;
    /** The TTL of a notification without an expiry, in seconds: how long a push service keeps it. */
    public int defaultTtlSeconds = DEFAULT_TTL_SECONDS;

    public WebPushApp() {}
}
