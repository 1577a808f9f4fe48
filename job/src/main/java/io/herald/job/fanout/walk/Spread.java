package io.herald.job.fanout.walk;

import io.herald.job.functions.WalkPosition;
import io.herald.job.state.StoredUsers;
import java.util.Map;

/**
 * A fire spread out over a time: this instance's users still to walk are counted first (in chunks,
 * like the walk), then the n-th of them goes at n parts of the time left, from the count to the
 * fire's time plus the spread. After a restore the walk counts again what is left.
 */
final class Spread {
    private final long end;
    private StoredUsers counting;
    private long counted;
    private long usersToGo = -1;
    private long from;
    private long walked;
    private long resumeAt;

    /** @param end the fire's time plus the spread (epoch ms) */
    Spread(long end) {
        this.end = end;
    }

    /**
     * Counts on until {@code deadline}: true once every user still to walk in {@code groups} is
     * counted.
     */
    boolean count(WalkContext ctx, Map<Integer, WalkPosition> groups, long deadline) throws Exception {
        if (usersToGo >= 0) {
            return true;
        }
        if (counting == null) {
            counting = ctx.openUsers();
        }
        int seen = 0;
        while (counting != null && counting.next()) {
            WalkPosition p = groups.get(counting.keyGroup());
            if (p != null && !p.done) {
                counted++;
            }
            if ((++seen & 1023) == 0 && System.nanoTime() > deadline) {
                return false;
            }
        }
        close();
        usersToGo = counted;
        from = ctx.now();
        return true;
    }

    /** Whether another user may be walked at {@code now}; if not, {@link #resumeAt()} says when. */
    boolean allows(long now) {
        double dueAt = from + (double) walked * Math.max(0, end - from) / Math.max(1, usersToGo);
        if (now >= dueAt) {
            return true;
        }
        resumeAt = (long) Math.ceil(dueAt);
        return false;
    }

    void walked() {
        walked++;
    }

    long resumeAt() {
        return resumeAt;
    }

    void close() {
        if (counting != null) {
            counting.close();
            counting = null;
        }
    }
}
