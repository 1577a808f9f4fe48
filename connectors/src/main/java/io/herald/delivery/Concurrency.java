package io.herald.delivery;

import com.netflix.concurrency.limits.Limit;
import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limit.FixedLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
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
     * ceiling. The round trip is read by the gradient between its long-run and its recent value
     * (Netflix's Gradient2, in the manner of TCP Vegas): the window grows while the round trip
     * stays what it was with fewer in flight (the provider is far, not busy: 150 ms away wants more
     * in flight than 5 ms away), and shrinks when it rises with the window (requests queue at the
     * provider or in this process). Pushback is read by AIMD: each answer that is a 429 or 5xx, or
     * that never came, takes a tenth off. A window used by less than half does not grow.
     */
    ADAPTIVE {
        @Override
        public Limit limit(int ceiling) {
            int initial = Math.min(ceiling, INITIAL_ADAPTIVE);
            int least = Math.min(ceiling, MIN_ADAPTIVE);
            return new RoundTripAndPushbackLimit(
                    Gradient2Limit.newBuilder()
                            .initialLimit(initial)
                            .minLimit(least)
                            .maxConcurrency(ceiling)
                            .build(),
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
    public static final int INITIAL_ADAPTIVE = 500;
    /** The least an adaptive window shrinks to. */
    public static final int MIN_ADAPTIVE = 100;

    /** A new limit, for one delivery instance, never above {@code ceiling}. */
    public abstract Limit limit(int ceiling);
}
