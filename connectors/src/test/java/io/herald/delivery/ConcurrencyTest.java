package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.netflix.concurrency.limits.Limit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The window a delivery keeps in flight: fixed at the ceiling, or adaptive between its least and
 * the ceiling, fed the samples a delivery feeds it (one per answered attempt).
 */
class ConcurrencyTest {
    private static final int CEILING = 5_000;

    /** Feeds {@code n} answers that each took {@code roundTripMs}, with the window in use. */
    private static void answers(Limit window, int n, long roundTripMs, boolean pushedBack) {
        for (int i = 0; i < n; i++) {
            window.onSample(0, TimeUnit.MILLISECONDS.toNanos(roundTripMs), window.getLimit(), pushedBack);
        }
    }

    @Test
    void aFixedWindowIsTheCeilingWhateverTheAnswers() {
        Limit window = Concurrency.FIXED.limit(CEILING);
        answers(window, 1_000, 5, true);
        assertThat(window.getLimit()).isEqualTo(CEILING);
    }

    @Test
    void anAdaptiveWindowGrowsToTheCeilingWhileAFarProviderAnswersSteadily() {
        Limit window = Concurrency.ADAPTIVE.limit(CEILING);
        assertThat(window.getLimit()).isEqualTo(Concurrency.INITIAL_ADAPTIVE);
        // 150 ms away and not busy: the round trip stays the same however many are in flight.
        answers(window, 20_000, 150, false);
        assertThat(window.getLimit()).isEqualTo(CEILING);
    }

    @Test
    void anAdaptiveWindowShrinksWhenTheRoundTripRisesWithIt() {
        Limit window = Concurrency.ADAPTIVE.limit(CEILING);
        answers(window, 20_000, 20, false);
        int grown = window.getLimit();
        // Requests queue (at the provider, or in this process): the round trip triples.
        answers(window, 200, 60, false);
        assertThat(window.getLimit()).isLessThan(grown).isGreaterThanOrEqualTo(Concurrency.MIN_ADAPTIVE);
    }

    @Test
    void anAdaptiveWindowShrinksWhenTheProviderPushesBack_andGrowsAgainAfter() {
        Limit window = Concurrency.ADAPTIVE.limit(CEILING);
        answers(window, 20_000, 20, false);
        assertThat(window.getLimit()).isEqualTo(CEILING);
        // 429s or 503s at the same round trip: a tenth off for each.
        answers(window, 20, 20, true);
        assertThat(window.getLimit()).isBetween(Concurrency.MIN_ADAPTIVE, CEILING / 4);
        answers(window, 20_000, 20, false);
        assertThat(window.getLimit()).isEqualTo(CEILING);
    }

    @Test
    void anAdaptiveWindowUsedByLessThanHalfDoesNotGrow() {
        Limit window = Concurrency.ADAPTIVE.limit(CEILING);
        for (int i = 0; i < 10_000; i++) {
            window.onSample(0, TimeUnit.MILLISECONDS.toNanos(150), 10, false);
        }
        assertThat(window.getLimit()).isEqualTo(Concurrency.INITIAL_ADAPTIVE);
    }

    @Test
    void aCeilingBelowTheAdaptiveStartIsWhereItStarts() {
        assertThat(Concurrency.ADAPTIVE.limit(50).getLimit()).isEqualTo(50);
    }
}
