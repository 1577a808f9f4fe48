package io.herald.delivery;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.WindowedLimit;
import java.util.concurrent.TimeUnit;

/**
 * How many notifications a delivery keeps in flight (started and not yet receipted), up to the
 * ceiling its settings give ({@code maxInFlight}). The ceiling is what bounds memory and what a
 * crash can send twice; within it, the rate a window allows is the window over the provider's round
 * trip (Little's law: 2,000 in flight at 150 ms carry 13,333 a second, whatever the CPU can do).
 *
 * <p>The limits are Netflix's concurrency-limits, made for this: a limit is fed each attempt's round
 * trip, how many were at the provider when it started, and whether the provider pushed back (a 429
 * or 5xx, or no answer at all), and says how many may be in flight now.
 */
public enum Concurrency {
    /** Always the ceiling: a hand-set window, for a provider or network whose round trip is known. */
    FIXED {
        @Override
        public Limit limit(int ceiling) {
            return FixedLimit.of(ceiling);
        }
    },
    /**
     * Found from the round trips and the provider's pushback, between {@link #MIN_ADAPTIVE} and the
     * ceiling. The round trip is read by the gradient between its long-run and its recent average
     * (Netflix's Gradient2, in the manner of TCP Vegas): the window grows while the round trip
     * stays what it was with fewer in flight (the provider is far, not busy: 150 ms away wants more
     * in flight than 5 ms away), and shrinks when it jumps (requests queue at the provider or in
     * this process). A round trip that creeps up slowly is followed by the long-run one, and the
     * window with it (Gradient2's drift): the ceiling bounds that, and a provider that is
     * overloaded says so with 429s, read below. The gradient reads the average of a stretch of answers (twice
     * the shortest round trip in it, 100 ms to 500 ms; {@code WindowedLimit}), as the library means
     * it to: fed answer by answer, a stall of a few hundred milliseconds (a collection, a slow
     * stretch on one connection) cut the window by a tenth per slow answer, to a fifth of what the
     * round trip needed, and the rate with it. It grows by up to an eighth a stretch (a window of a
     * quarter more allowed to queue, smoothed by half), and shrinks as fast. Pushback is read by
     * AIMD, answer by answer: each that is a 429 or 5xx, or that never came, takes a tenth off. A
     * window used by less than half does not grow.
     */
    ADAPTIVE {
        @Override
        public Limit limit(int ceiling) {
            int initial = Math.min(ceiling, INITIAL_ADAPTIVE);
            int least = Math.min(ceiling, MIN_ADAPTIVE);
            Limit gradient = Gradient2Limit.newBuilder()
                    .initialLimit(initial)
                    .minLimit(least)
                    .maxConcurrency(ceiling)
                    .queueSize(window -> Math.max(4, window / 4))
                    .smoothing(0.5)
                    .longWindow(50)
                    .build();
            return new RoundTripAndPushbackLimit(
                    WindowedLimit.newBuilder()
                            .minWindowTime(100, TimeUnit.MILLISECONDS)
                            .maxWindowTime(500, TimeUnit.MILLISECONDS)
                            .windowSize(20)
                            .build(gradient),
                    AIMDLimit.newBuilder()
                            .initialLimit(initial)
                            .minLimit(least)
                            .maxLimit(ceiling)
                            .backoffRatio(0.9)
                            // Pushback is what the provider says; a slow answer is the gradient's.
                            .timeout(1, TimeUnit.HOURS)
                            .build());
        }
    };

    /** Where an adaptive window starts. */
    public static final int INITIAL_ADAPTIVE = 1_000;
    /** The least an adaptive window shrinks to. */
    public static final int MIN_ADAPTIVE = 100;

    /** A new limit, for one delivery instance, never above {@code ceiling}. */
    public abstract Limit limit(int ceiling);
}
