package io.herald.webpush;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

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
    /**
     * The push services this app sends to, by host: a name, or {@code *.} and a domain for its
     * subdomains. A subscription's endpoint is whatever the device event says, so without this any
     * host could be made a push service: one answering 401 would stop the app's web push, one
     * answering 429 slow it, and an internal address would be POSTed to. The default is the
     * browsers' push services: Google's (Chrome, Edge on Android, Opera, Samsung Internet), Mozilla's,
     * Apple's and Microsoft's.
     */
    public List<String> pushServices = new ArrayList<>(DEFAULT_PUSH_SERVICES);

    /** The browsers' push services. */
    public static final List<String> DEFAULT_PUSH_SERVICES =
            List.of("fcm.googleapis.com", "*.push.services.mozilla.com", "*.push.apple.com", "*.notify.windows.com");

    public WebPushApp() {}

    /** Whether {@code host} is one of {@link #pushServices} (names compared without case). */
    public boolean sendsTo(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        for (String entry : pushServices) {
            String e = entry.toLowerCase(Locale.ROOT);
            if (e.startsWith("*.") ? h.endsWith(e.substring(1)) : h.equals(e)) {
                return true;
            }
        }
        return false;
    }

    /** Why {@link #pushServices} cannot be used, or null. */
    public String pushServicesProblem() {
        if (pushServices == null || pushServices.isEmpty()) {
            return "pushServices is empty: the app could send to no browser";
        }
        for (String entry : pushServices) {
            if (entry == null || !HOST.matcher(entry).matches()) {
                return "pushServices: '" + entry + "' is not a host name or *. and a domain";
            }
        }
        return null;
    }

    private static final Pattern HOST = Pattern.compile("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9.-]{0,252})");
}
