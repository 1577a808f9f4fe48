package io.herald.model;

/**
 * What an app's runaway guard keeps of one user: when the app sent the user a notification (epoch
 * ms, oldest first, only those inside the guard's window) and when the guard last said so on
 * {@code campaign-status}.
 */
public final class RunawayCount {
    /** Never alerted. */
    public static final long NEVER = Long.MIN_VALUE;

    public long[] sentAt = new long[0];
    public long alertedAt = NEVER;

    public RunawayCount() {}

    public RunawayCount(long[] sentAt, long alertedAt) {
        this.sentAt = sentAt;
        this.alertedAt = alertedAt;
    }
}
