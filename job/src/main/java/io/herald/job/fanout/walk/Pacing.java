package io.herald.job.fanout.walk;

/**
 * A campaign's {@code maxPerSecond} on one instance: the n-th notification this walk hands out here
 * goes at n / perSecond seconds after the walk started here (or was resumed). Nothing sleeps: a walk
 * that is ahead stops and says when it may go on.
 */
final class Pacing {
    private final double perSecond;
    private long from;
    private long sent;
    private long resumeAt;

    /** @param perSecond notifications per second this instance may hand out */
    Pacing(double perSecond, long from) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("a pace needs a rate above zero, not " + perSecond);
        }
        this.perSecond = perSecond;
        this.from = from;
    }

    /** Whether another notification may go at {@code now}; if not, {@link #resumeAt()} says when. */
    boolean allows(long now) {
        double dueAt = sent * 1000.0 / perSecond;
        if (now - from >= dueAt) {
            return true;
        }
        resumeAt = from + (long) Math.ceil(dueAt);
        return false;
    }

    /** Goes on from {@code now} as if it started then: a walk resumed after a pause does not catch up. */
    void restartAt(long now) {
        from = now;
        sent = 0;
    }

    void handedOut(long n) {
        sent += n;
    }

    long resumeAt() {
        return resumeAt;
    }
}
