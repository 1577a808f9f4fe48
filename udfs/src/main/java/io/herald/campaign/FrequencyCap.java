package io.herald.campaign;

import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;

/**
 * At most {@link #max} campaign notifications per user in a rolling {@link #window}, for one app,
 * across campaigns (transactional sends and exempt campaigns neither count nor are held back).
 * Counted per campaign, not per device: a campaign reaching two of a user's phones counts once.
 */
public final class FrequencyCap implements Serializable {
    private static final long serialVersionUID = 1L;

    public final int max;
    public final Duration window;

    public FrequencyCap(int max, Duration window) {
        if (max < 1 || window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("a frequency cap needs max >= 1 and a window longer than zero");
        }
        this.max = max;
        this.window = window;
    }

    /** Whether a user who was sent campaigns at {@code sentAt} (epoch ms, any order) may get another at {@code now}. */
    public boolean allows(long[] sentAt, long now) {
        return sentAt == null || within(sentAt, now) < max;
    }

    /** The send times to keep after one more at {@code now}: those still in the window, the newest {@code max}. */
    public long[] record(long[] sentAt, long now) {
        long from = now - window.toMillis();
        long[] kept = Arrays.stream(sentAt == null ? new long[0] : sentAt)
                .filter(t -> t > from)
                .sorted()
                .toArray();
        long[] next = Arrays.copyOf(kept, kept.length + 1);
        next[kept.length] = now;
        return next.length > max ? Arrays.copyOfRange(next, next.length - max, next.length) : next;
    }

    private int within(long[] sentAt, long now) {
        long from = now - window.toMillis();
        int n = 0;
        for (long t : sentAt) {
            if (t > from && t <= now) {
                n++;
            }
        }
        return n;
    }

    /** What a capped notification's receipt says. */
    public String reason(String appId) {
        return "frequency cap: " + max + " campaign notification" + (max == 1 ? "" : "s") + " per user in " + window
                + " reached (apps." + appId + ".frequencyCap)";
    }
}
