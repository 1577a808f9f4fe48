package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private static final long MS = 1_000_000;

    @Test
    void throttlingHalvesTheRateAtMostOnceASecondAndSuccessWinsItBack() {
        RateLimiter limit = new RateLimiter(1000, 10);
        long now = 5_000 * MS;
        limit.throttled(now);
        assertThat(limit.rate()).isEqualTo(500);
        limit.throttled(now + 100 * MS);
        assertThat(limit.rate()).as("a burst of 429s is one signal").isEqualTo(500);
        limit.throttled(now + 1100 * MS);
        assertThat(limit.rate()).isEqualTo(250);
        for (int i = 0; i < 100_000; i++) {
            limit.succeeded();
        }
        assertThat(limit.rate()).isEqualTo(1000);
    }

    @Test
    void withoutACeilingThrottlingStartsFromWhatWasReallySent() {
        RateLimiter limit = new RateLimiter(Double.POSITIVE_INFINITY, 10);
        long now = 5_000 * MS;
        for (int i = 0; i < 400; i++) {
            limit.sent(now + i * 5 * MS);
        }
        // 400 requests over two seconds: about 200 a second; the cut takes it to about 100.
        limit.throttled(now + 2000 * MS);
        assertThat(limit.rate()).isBetween(90.0, 110.0);
    }

    @Test
    void withoutACeilingTheLimitStaysUntilTwiceTheThrottledRateIsWonBack() {
        RateLimiter limit = new RateLimiter(Double.POSITIVE_INFINITY, 1);
        long now = 5_000 * MS;
        // A burst inside the first second: no full window observed yet, so the burst itself counts.
        for (int i = 0; i < 1000; i++) {
            limit.sent(now + i * 100_000L);
        }
        limit.throttled(now + 100 * MS);
        assertThat(limit.rate()).isEqualTo(500);
        for (int i = 0; i < 100; i++) {
            limit.succeeded();
        }
        assertThat(limit.rate()).as("a little back per success, still limited").isEqualTo(505, within(1e-6));
        for (int i = 0; i < 29_899; i++) {
            limit.succeeded();
        }
        assertThat(limit.rate()).isLessThan(2000);
        for (int i = 0; i < 2; i++) {
            limit.succeeded();
        }
        assertThat(limit.rate())
                .as("unlimited again at twice the throttled rate")
                .isInfinite();
    }

    @Test
    void aNewCeilingMovesARateAtTheOldOneAndCapsAThrottledOne() {
        RateLimiter limit = new RateLimiter(1000, 10);
        limit.ceiling(3000);
        assertThat(limit.rate()).as("lent more: at once").isEqualTo(3000);
        limit.ceiling(500);
        assertThat(limit.rate()).as("taken back: at once").isEqualTo(500);
        limit.throttled(5_000 * MS);
        assertThat(limit.rate()).isEqualTo(250);
        limit.ceiling(2000);
        assertThat(limit.rate())
                .as("a throttled rate is won back by successes, not by a share")
                .isEqualTo(250);
        limit.ceiling(100);
        assertThat(limit.rate()).isEqualTo(100);
        limit.ceiling(5);
        limit.throttled(7_000 * MS);
        assertThat(limit.rate())
                .as("the floor (10) never lifts a rate above the ceiling")
                .isEqualTo(5);
    }
}
