package io.herald.delivery;

import io.herald.budget.Demand;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The slots of one account's {@link RateLimiter}: each attempt waits here for its slot, urgent ones
 * (transactional sends, urgent campaigns) ahead of bulk ones, and goes when the rate allows. A token
 * bucket holding at most {@link #BURST_SECONDS} of the rate; when it is empty the next slot comes
 * from a tick on the delivery's event loop, never from a sleep. Unlike reserving each request a slot
 * in the future when it arrives, nothing is promised ahead: a new rate (throttled, or a share of the
 * budget lent or taken back) applies to the very next slot, and an urgent attempt overtakes every
 * bulk one still waiting.
 *
 * <p>Bounded: whoever waits here is a notification in its delivery's in-flight window (at most
 * {@code maxInFlight}). One that stopped waiting (cancelled, timed out) is passed over without
 * taking a slot.
 *
 * <p>It also keeps what the budget's coordinator asks for: how many went out since the last
 * {@link #demand report}, and whether any waited more than {@link #WAITED_NANOS}.
 */
public final class RateSlots {
    /** The most a quiet spell saves up, in seconds of the rate: enough for a tick's worth. */
    static final double BURST_SECONDS = 0.02;
    /** Ticks are at least this far apart: at 10,000 a second, ten slots a tick. */
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    /** A wait longer than this says the instance would send faster with a bigger share. */
    static final long WAITED_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** Who waits for a slot. */
    public interface Waiter {
        /** Whether it still wants a slot: one that does not is passed over and takes none. */
        boolean stillWaiting();

        /** Its slot came: go now. Called outside this class's lock, on the caller's or the event loop's thread. */
        void go();
    }

    private final RateLimiter limit;
    private final EventExecutorGroup loop;
    private final LongSupplier clock;
    private final ArrayDeque<Waiting> urgent = new ArrayDeque<>();
    private final ArrayDeque<Waiting> bulk = new ArrayDeque<>();
    private double tokens;
    private long refilledAt;
    private boolean tickScheduled;
    private long sentSinceReport;
    private long taken;
    private boolean waitedSinceReport;
    private long reportedAt;
    private boolean used;

    /** @param loop where ticks run (the delivery's event loop) */
    public RateSlots(RateLimiter limit, EventExecutorGroup loop) {
        this(limit, loop, System::nanoTime);
    }

    /** @param clock nanoseconds, as {@link System#nanoTime()} */
    RateSlots(RateLimiter limit, EventExecutorGroup loop, LongSupplier clock) {
        this.limit = limit;
        this.loop = loop;
        this.clock = clock;
        this.refilledAt = clock.getAsLong();
        this.reportedAt = refilledAt;
        this.tokens = 1;
    }

    /** The adapting rate these slots follow. */
    public RateLimiter limit() {
        return limit;
    }

    /** {@code waiter} waits for a slot; it may go at once, on this thread. */
    public void take(Waiter waiter, boolean isUrgent) {
        List<Waiter> go;
        synchronized (this) {
            long now = clock.getAsLong();
            used = true;
            (isUrgent ? urgent : bulk).add(new Waiting(waiter, now));
            go = release(now);
        }
        go.forEach(Waiter::go);
    }

    /** This instance's new share of the budget: it applies to the next slot. */
    public void share(double perSecond) {
        limit.ceiling(perSecond);
        wake();
    }

    /** What this instance asks of the budget since the last report; starts the next. */
    public synchronized Demand demand(long nowNanos) {
        double seconds = Math.max(1e-3, (nowNanos - reportedAt) / 1e9);
        Waiting oldest = urgent.isEmpty() ? bulk.peek() : urgent.peek();
        boolean waited = waitedSinceReport || (oldest != null && nowNanos - oldest.since > WAITED_NANOS);
        Demand d = new Demand(sentSinceReport / seconds, waited);
        sentSinceReport = 0;
        waitedSinceReport = false;
        reportedAt = nowNanos;
        return d;
    }

    /**
     * How many more may wait for a slot now so that none waits longer than {@code aheadSeconds} at
     * the current rate (unbounded without a limit).
     */
    public synchronized int room(double aheadSeconds) {
        double rate = limit.rate();
        if (Double.isInfinite(rate)) {
            return Integer.MAX_VALUE;
        }
        return (int) Math.max(0, Math.ceil(rate * aheadSeconds) - urgent.size() - bulk.size());
    }

    /** Whether anyone ever waited here. */
    public synchronized boolean used() {
        return used;
    }

    /** Slots taken since these slots were made. */
    public synchronized long taken() {
        return taken;
    }

    /** How many wait for a slot now. */
    public synchronized int waiting() {
        return urgent.size() + bulk.size();
    }

    /** Hands out the slots there are now (a tick, or a new rate). */
    void wake() {
        List<Waiter> go;
        synchronized (this) {
            go = release(clock.getAsLong());
        }
        go.forEach(Waiter::go);
    }

    private void tick() {
        synchronized (this) {
            tickScheduled = false;
        }
        wake();
    }

    /** Hands out the slots there are now; the caller runs the returned waiters outside the lock. */
    private List<Waiter> release(long now) {
        double rate = limit.rate();
        boolean unlimited = Double.isInfinite(rate);
        if (!unlimited) {
            double burst = Math.max(1, rate * BURST_SECONDS);
            tokens = Math.min(burst, tokens + (now - refilledAt) * rate / 1e9);
        }
        refilledAt = now;
        List<Waiter> go = List.of();
        Waiting next;
        while ((unlimited || tokens >= 1) && (next = poll()) != null) {
            if (!next.waiter.stillWaiting()) {
                continue;
            }
            if (now - next.since > WAITED_NANOS) {
                waitedSinceReport = true;
            }
            if (!unlimited) {
                tokens -= 1;
            }
            limit.sent(now);
            sentSinceReport++;
            taken++;
            if (go.isEmpty()) {
                go = new ArrayList<>(4);
            }
            go.add(next.waiter);
        }
        if (!tickScheduled && (!urgent.isEmpty() || !bulk.isEmpty())) {
            tickScheduled = true;
            long untilNext = (long) ((1 - tokens) * 1e9 / rate);
            try {
                loop.schedule(this::tick, Math.max(TICK_NANOS, untilNext), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                // The delivery is closing: what waits stays unsent, in its state.
            }
        }
        return go;
    }

    private Waiting poll() {
        Waiting w = urgent.poll();
        return w != null ? w : bulk.poll();
    }

    private record Waiting(Waiter waiter, long since) {}
}
