package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.netflix.concurrency.limits.Limit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The window a delivery keeps in flight: fixed at the ceiling, or adaptive between its least and
 * the ceiling, fed the samples a delivery feeds it (one per answered attempt), on a clock of the
 * test's own: answers come as a full window allows, {@code window / roundTrip} a millisecond.
 */
class ConcurrencyTest {
    private static final int CEILING = 5_000;

    /** The test's clock, in nanoseconds: when the last answer fed came. */
    private long now;

    /**
     * Feeds {@code ms} milliseconds of answers that each took {@code roundTripMs}, as many as the
     * window in use lets through, with the window in use; returns the least window there was.
     */
    private int answersFor(Limit window, long ms, long roundTripMs, boolean pushedBack) {
        long rtt = TimeUnit.MILLISECONDS.toNanos(roundTripMs);
        int least = window.getLimit();
        for (long i = 0; i < ms; i++) {
            now += TimeUnit.MILLISECONDS.toNanos(1);
            int inFlight = window.getLimit();
            least = Math.min(least, inFlight);
            long perMs = Math.max(1, inFlight / roundTripMs);
            for (long k = 0; k < perMs; k++) {
                window.onSample(now - rtt, rtt, inFlight, pushedBack);
            }
        }
        return Math.min(least, window.getLimit());
    }

    /** Feeds {@code n} answers, all at once, that each took {@code roundTripMs}. */
    private void answers(Limit window, int n, long roundTripMs, boolean pushedBack) {
        long rtt = TimeUnit.MILLISECONDS.toNanos(roundTripMs);
        for (int i = 0; i < n; i++) {
            window.onSample(now - rtt, rtt, window.getLimit(), pushedBack);
        }
    }

    @Test
    void aFixedWindowIsTheCeilingWhateverTheAnswers() {
        Limit window = Concurrency.FIXED.limit(CEILING);
        answersFor(window, 1_000, 5, true);
        assertThat(window.getLimit()).isEqualTo(CEILING);
    }

    @Test
    void anAdaptiveWindowGrowsToTheCeilingWhileAFarProviderAnswersSteadily() {
        Limit window = Concurrency.ADAPTIVE.limit(CEILING);
        assertThat(window.getLimit()).isEqualTo(Concurrency.INITIAL_ADAPTIVE);
        // 150 ms away and not busy: the round trip stays the same however many are in flight.
        answersFor(window, 20_000, 150, false);
        assertThat(window.getLimit()).isEqualTo(CEILING);
    }

    @Test
    void anAdaptiveWindowShrinksWhenTheRoundTripJumps() {
        Limit window = Concurrency.ADAPTIVE.limit(CEILING);
        answersFor(window, 20_000, 20, false);
        int grown = window.getLimit();
        // Requests queue (at the provider, or in this process): the round trip triples. (Held so,
        // the long-run round trip follows it and the window grows back: the provider is farther.)
        answersFor(window, 600, 60, false);
        assertThat(window.getLimit()).isLessThan(grown * 3 / 4).isGreaterThanOrEqualTo(Concurrency.MIN_ADAPTIVE);
    }

    @Test
    void aShortStallTakesLittleOffAnAdaptiveWindow() {
        Limit window = Concurrency.ADAPTIVE.limit(CEILING);
        answersFor(window, 20_000, 150, false);
        assertThat(window.getLimit()).isEqualTo(CEILING);
        // A collection, or one slow stretch: for 300 ms the answers take three times as long. Read
        // answer by answer, the first slow answers each took a tenth off, down to the least, and
        // the rate with it until the window had grown back.
        int least = Math.min(answersFor(window, 300, 450, false), answersFor(window, 1_000, 150, false));
        assertThat(least).isGreaterThanOrEqualTo(CEILING * 3 / 4);
    }

    @Test
    void anAdaptiveWindowShrinksWhenTheProviderPushesBack_andGrowsAgainAfter() {
        Limit window = Concurrency.ADAPTIVE.limit(CEILING);
        answersFor(window, 20_000, 20, false);
        assertThat(window.getLimit()).isEqualTo(CEILING);
        // 429s or 503s at the same round trip: a tenth off for each.
        answers(window, 20, 20, true);
        assertThat(window.getLimit()).isBetween(Concurrency.MIN_ADAPTIVE, CEILING / 4);
        answersFor(window, 20_000, 20, false);
        assertThat(window.getLimit()).isEqualTo(CEILING);
    }

    @Test
    void anAdaptiveWindowUsedByLessThanHalfDoesNotGrow() {
        Limit window = Concurrency.ADAPTIVE.limit(CEILING);
        long rtt = TimeUnit.MILLISECONDS.toNanos(150);
        for (int i = 0; i < 10_000; i++) {
            now += TimeUnit.MILLISECONDS.toNanos(1);
            window.onSample(now - rtt, rtt, 10, false);
        }
        assertThat(window.getLimit()).isEqualTo(Concurrency.INITIAL_ADAPTIVE);
    }

    @Test
    void aCeilingBelowTheAdaptiveStartIsWhereItStarts() {
        assertThat(Concurrency.ADAPTIVE.limit(50).getLimit()).isEqualTo(50);
    }
}
