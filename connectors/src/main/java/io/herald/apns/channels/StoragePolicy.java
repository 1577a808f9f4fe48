package io.herald.apns.channels;

/** A channel's {@code message-storage-policy}: what APNs keeps for a device that is offline. */
public enum StoragePolicy {
    /** Nothing: a device offline when an update is sent misses it. */
    NO_MESSAGE_STORED(0),
    /** The most recent message, delivered when the device is back. */
    MOST_RECENT_MESSAGE_STORED(1);

    /** Its value on the wire. */
    public final int code;

    StoragePolicy(int code) {
        this.code = code;
    }

    /** The policy with {@code code}, as APNs sends it. */
    public static StoragePolicy of(int code) {
        for (StoragePolicy p : values()) {
            if (p.code == code) {
                return p;
            }
        }
        throw new IllegalArgumentException("no message-storage-policy " + code);
    }
}
