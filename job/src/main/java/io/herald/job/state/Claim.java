package io.herald.job.state;

import java.io.Serializable;

/**
 * Who holds a device id or token, since which version. Once its holder is erased, the claim
 * forgets who it was ({@link #released()}) and keeps its version and tie-break.
 */
public final class Claim implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The holder, or null once it was erased. */
    public String userId;

    public String deviceId;
    public long version;
    /** Decides between claims of the same version (a hash of the holder, so it outlives it); 0 before it was kept. */
    public long tie;

    public Claim() {}

    public Claim(String userId, String deviceId, long version) {
        this.userId = userId;
        this.deviceId = deviceId;
        this.version = version;
        this.tie = tieOf(userId, deviceId);
    }

    /** True once the holder was erased. */
    public boolean released() {
        return userId == null;
    }

    public Claim forgotten() {
        Claim c = new Claim();
        c.version = version;
        c.tie = tie();
        return c;
    }

    /** Whether {@code other} is held by the same user (and, with {@code byDevice}, the same device). */
    public boolean sameHolder(Claim other, boolean byDevice) {
        return userId != null && userId.equals(other.userId) && (!byDevice || deviceId.equals(other.deviceId));
    }

    /** Newer wins; at equal versions the greater tie-break does, so every replay agrees. */
    public boolean beats(Claim other) {
        if (version != other.version) {
            return version > other.version;
        }
        long a = tie();
        long b = other.tie();
        if (a != b) {
            return a > b;
        }
        if (userId == null || other.userId == null) {
            return false;
        }
        int byUser = userId.compareTo(other.userId);
        return byUser != 0 ? byUser > 0 : deviceId.compareTo(other.deviceId) > 0;
    }

    private long tie() {
        return tie != 0 || userId == null ? tie : tieOf(userId, deviceId);
    }

    /** FNV-1a, 64 bits, over the holder's user and device ids. */
    public static long tieOf(String userId, String deviceId) {
        long h = 0xcbf29ce484222325L;
        String s = userId + '\u0000' + deviceId;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
