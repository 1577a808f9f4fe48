package io.herald.model;

/** The push platform a device is reached through: Apple (APNs) or Google (FCM). */
public enum Platform {
    IOS,
    ANDROID;

    /** Parses the wire name ({@code ios}, {@code android}); returns null for anything else. */
    public static Platform fromWire(String name) {
        if (name == null) {
            return null;
        }
        switch (name) {
            case "ios":
                return IOS;
            case "android":
                return ANDROID;
            default:
                return null;
        }
    }

    /** The wire name used in every topic. */
    public String wire() {
        return this == IOS ? "ios" : "android";
    }
}
