package io.herald.delivery;

/**
 * A rate limit on requests, by reservation: each request is given the next free slot and waits for
 * it (on the event loop, keeping its place in the bounded in-flight window, so a limited stream
 * backpressures instead of queuing without end). It adapts: when the provider throttles (429), the
 * rate halves, at most once a second, from what was really being sent; each success wins a little
 * back (a twentieth of a request per second, so about 5% a second at full flow), up to the
 * configured ceiling. Without a ceiling, the limit goes away again once it is back at twice the
 * rate the provider first throttled.
 */
public final class RateLimiter {
    private static final long SECOND = 1_000_000_000L;

    private final double ceiling;
    private final double floor;
    private double rate;
    private double nextFreeNanos;
    private long lastCutNanos = Long.MIN_VALUE / 2;
    private long windowStart;
    private long sentInWindow;
    private double observedRate;
    private double throttledAt = Double.NaN;

    /**
     * @param perSecond the most requests per second; {@link Double#POSITIVE_INFINITY} for no ceiling
     *     (the limit then only exists after the provider throttles)
     * @param floor the least it slows down to
     */
    public RateLimiter(double perSecond, double floor) {
        if (!(perSecond > 0) || !(floor > 0)) {
            throw new IllegalArgumentException("rates must be positive");
        }
        this.ceiling = perSecond;
        this.floor = Math.min(floor, perSecond);
        this.rate = perSecond;
    }

    /** How long the request made at {@code nowNanos} must wait for its slot, in milliseconds. */
    public synchronized long reserve(long nowNanos) {
        if (nowNanos - windowStart >= SECOND) {
            observedRate = sentInWindow * (double) SECOND / Math.max(SECOND, nowNanos - windowStart);
            windowStart = nowNanos;
            sentInWindow = 0;
        }
        sentInWindow++;
        if (Double.isInfinite(rate)) {
            return 0;
        }
        double slot = Math.max(nowNanos, nextFreeNanos);
        nextFreeNanos = slot + SECOND / rate;
        return (long) ((slot - nowNanos) / 1_000_000);
    }

    /** The provider said "too many requests": slow down. */
    public synchronized void throttled(long nowNanos) {
        if (nowNanos - lastCutNanos < SECOND) {
            return;
        }
        lastCutNanos = nowNanos;
        double current = rate;
        if (Double.isInfinite(rate)) {
            current = Math.max(floor, Math.max(observedRate, sentInWindow));
            throttledAt = current;
        }
        rate = Math.max(floor, current / 2);
    }

    /** A request went through: speed up a little. */
    public synchronized void succeeded() {
        if (rate < ceiling) {
            rate += 0.05;
            if (rate >= ceiling || (Double.isInfinite(ceiling) && rate >= 2 * throttledAt)) {
                rate = ceiling;
            }
        }
    }

    /** The current rate, requests per second. */
    public synchronized double rate() {
        return rate;
    }
}
