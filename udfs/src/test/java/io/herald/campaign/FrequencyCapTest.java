package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FrequencyCapTest {
    private final FrequencyCap threePerDay = new FrequencyCap(3, Duration.ofHours(24));
    private static final long HOUR = 3_600_000L;

    @Test
    void aRollingWindowCountsOnlyTheSendsInsideIt() {
        long[] sends = null;
        for (long at : new long[] {0, HOUR, 2 * HOUR}) {
            assertThat(threePerDay.allows(sends, at)).isTrue();
            sends = threePerDay.record(sends, at);
        }
        assertThat(threePerDay.allows(sends, 3 * HOUR)).isFalse();
        assertThat(threePerDay.allows(sends, 24 * HOUR))
                .as("the first is exactly a day old: out")
                .isTrue();
        long[] next = threePerDay.record(sends, 24 * HOUR);
        assertThat(next)
                .as("what left the window is dropped; at most max kept")
                .containsExactly(HOUR, 2 * HOUR, 24 * HOUR);
    }

    @Test
    void aCapNeedsAPositiveMaxAndWindow() {
        assertThatThrownBy(() -> new FrequencyCap(0, Duration.ofHours(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new FrequencyCap(1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThat(threePerDay.reason("news"))
                .contains("3 campaign notifications")
                .contains("apps.news.frequencyCap");
    }
}
