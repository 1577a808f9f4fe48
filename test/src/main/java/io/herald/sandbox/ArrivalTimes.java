package io.herald.sandbox;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When deliveries reached the emulators, counted per millisecond from a start time: enough for
 * fire-to-ack quantiles over millions of deliveries in a few MB, without keeping one entry each.
 * Arrivals past the last bucket count in it.
 */
public final class ArrivalTimes {
    private final long startMillis;
    private final AtomicIntegerArray perMillisecond;
    private final AtomicLong count = new AtomicLong();

    /** @param startMillis the fire time; @param spanMillis how far after it to keep apart */
    public ArrivalTimes(long startMillis, int spanMillis) {
        this.startMillis = startMillis;
        this.perMillisecond = new AtomicIntegerArray(spanMillis + 1);
    }

    void record(long nowMillis) {
        long at = Math.max(0, Math.min(perMillisecond.length() - 1, nowMillis - startMillis));
        perMillisecond.incrementAndGet((int) at);
        count.incrementAndGet();
    }

    public long count() {
        return count.get();
    }

    /** Milliseconds from the start by which a share {@code q} (0..1] of the arrivals had come. */
    public long quantileMs(double q) {
        long n = count.get();
        if (n == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * n));
        long seen = 0;
        for (int ms = 0; ms < perMillisecond.length(); ms++) {
            seen += perMillisecond.get(ms);
            if (seen >= rank) {
                return ms;
            }
        }
        return perMillisecond.length() - 1;
    }

    /**
     * Arrivals per bucket of {@code bucketMs} from the start, up to the last bucket with any (an
     * arrival past the span counts in the last millisecond's bucket).
     */
    public long[] perBucket(int bucketMs) {
        int last = perMillisecond.length() - 1;
        while (last > 0 && perMillisecond.get(last) == 0) {
            last--;
        }
        long[] buckets = new long[last / bucketMs + 1];
        for (int ms = 0; ms <= last; ms++) {
            buckets[ms / bucketMs] += perMillisecond.get(ms);
        }
        return buckets;
    }
}
