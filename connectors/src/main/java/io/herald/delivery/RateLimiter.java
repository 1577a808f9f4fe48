package io.herald.delivery;

/**
 * The rate one account's requests may go at, which adapts: when the provider throttles (429), the
 * rate halves, at most once a second, from what was really being sent; each success wins a little
 * back (a twentieth of a request per second, so about 5% a second at full flow), up to the ceiling.
 * Without a ceiling, the limit goes away again once it is back at twice the rate the provider first
 * throttled. The ceiling is this instance's share of a send budget, and moves when the budget's
 * coordinator lends it more or takes some back ({@link #ceiling(double)}). {@link RateSlots} paces
 * the requests to it.
 */
public final class RateLimiter {
    private static final long SECOND = 1_000_000_000L;

    private final double configuredFloor;
    private double ceiling;
    private double floor;
    private double rate;
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
        this.configuredFloor = floor;
        this.ceiling = perSecond;
        this.floor = Math.min(floor, perSecond);
        this.rate = perSecond;
    }

    /** A request went out at {@code nowNanos}: what a throttle without a ceiling starts from. */
    public synchronized void sent(long nowNanos) {
        if (nowNanos - windowStart >= SECOND) {
            observedRate = sentInWindow * (double) SECOND / Math.max(SECOND, nowNanos - windowStart);
            windowStart = nowNanos;
            sentInWindow = 0;
        }
        sentInWindow++;
    }

    /**
     * A new ceiling (this instance's share of its budget): a rate at the old ceiling moves with it; a
     * rate cut by throttling stays where it was, or comes down to the new ceiling.
     */
    public synchronized void ceiling(double perSecond) {
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("a ceiling must be positive, not " + perSecond);
        }
        boolean atCeiling = rate >= ceiling;
        ceiling = perSecond;
        floor = Math.min(configuredFloor, perSecond);
        if (atCeiling || rate > perSecond) {
            rate = perSecond;
        }
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

    /** The ceiling, requests per second: infinite when there is none. */
    public synchronized double ceiling() {
        return ceiling;
    }
}
