package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
    private static final long MS = 1_000_000;

    @Test
    void requestsAreSpacedToTheRate() {
        RateLimiter limit = new RateLimiter(100, 1);
        long now = 5_000 * MS;
        assertThat(limit.reserve(now)).isZero();
        assertThat(limit.reserve(now)).isEqualTo(10);
        assertThat(limit.reserve(now)).isEqualTo(20);
        // 100 reserved at once: the last waits about a second.
        long last = 0;
        for (int i = 0; i < 97; i++) {
            last = limit.reserve(now);
        }
        assertThat(last).isBetween(990L, 1000L);
    }

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
            assertThat(limit.reserve(now + i * 5 * MS)).isZero();
        }
        // 400 requests over two seconds: about 200 a second; the cut takes it to about 100.
        limit.throttled(now + 2000 * MS);
        assertThat(limit.rate()).isBetween(90.0, 110.0);
        assertThat(limit.reserve(now + 2001 * MS)).isZero();
        assertThat(limit.reserve(now + 2001 * MS)).isBetween(9L, 11L);
    }

    @Test
    void withoutACeilingTheLimitStaysUntilTwiceTheThrottledRateIsWonBack() {
        RateLimiter limit = new RateLimiter(Double.POSITIVE_INFINITY, 1);
        long now = 5_000 * MS;
        // A burst inside the first second: no full window observed yet, so the burst itself counts.
        for (int i = 0; i < 1000; i++) {
            limit.reserve(now + i * 100_000L);
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
}
