package io.herald.model;

/**
 * The push platform a device is reached through: Apple (APNs), Google (FCM), or a browser's push
 * service (web push, RFC 8030). New platforms are appended: the ordinal is stored.
 */
public enum Platform {
    IOS("ios"),
    ANDROID("android"),
    WEB("web");

    private final String wire;

    Platform(String wire) {
        this.wire = wire;
    }

    /** Parses the wire name ({@code ios}, {@code android}, {@code web}); returns null for anything else. */
    public static Platform fromWire(String name) {
        for (Platform p : values()) {
            if (p.wire.equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** The wire name used in every topic. */
    public String wire() {
        return wire;
    }
}
