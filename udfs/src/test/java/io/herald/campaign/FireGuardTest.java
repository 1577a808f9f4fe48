package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FireGuardTest {
    @Test
    void aFireOverAShareOfTheAppsDevicesIsRefused_unlessItsRecordConfirmsItsAudience() {
        FireGuard guard = new FireGuard(0.5, null);
        assertThat(guard.refusal("news", 5_000, 10_000, null))
                .as("half: allowed")
                .isNull();
        assertThat(guard.refusal("news", 5_001, 10_000, null))
                .isEqualTo("fire refused by apps.news.fireGuard: its audience of 5,001 devices is more than 0.5"
                        + " times the app's 10,000 devices; nothing was sent. To send it, fire it again with"
                        + " \"confirmAudience\": 5001 (herald campaign fire --confirm-audience 5001)");
        assertThat(guard.refusal("news", 5_001, 10_000, 5_001L)).isNull();
        assertThat(guard.refusal("news", 5_001, 10_000, 9_999L))
                .as("a larger confirmation covers it")
                .isNull();
        assertThat(guard.refusal("news", 5_001, 10_000, 5_000L))
                .contains("(the fire confirmed 5,000)")
                .contains("\"confirmAudience\": 5001");
    }

    @Test
    void aFireOverTheAbsoluteSizeIsRefused_andEitherBoundAlone() {
        FireGuard guard = new FireGuard(null, 1_000_000L);
        assertThat(guard.refusal("news", 1_000_000, 1, null)).isNull();
        assertThat(guard.refusal("news", 1_000_001, 5_000_000, null))
                .startsWith(
                        "fire refused by apps.news.fireGuard: its audience of 1,000,001 devices is more than 1,000,000;");
        FireGuard both = new FireGuard(2.0, 100L);
        assertThat(both.refusal("a", 150, 100, null)).contains("more than 100;");
        assertThat(both.refusal("a", 150, 50, null)).contains("more than 2 times the app's 50 devices");
        assertThat(both.refusal("a", 0, 0, null))
                .as("nothing to send is nothing to refuse")
                .isNull();
    }

    @Test
    void aGuardWithoutBoundsOrWithBoundsBelowOneIsRefused() {
        assertThatThrownBy(() -> new FireGuard(null, null)).hasMessageContaining("devicesFactor or maxAudience");
        assertThatThrownBy(() -> new FireGuard(0.0, null)).hasMessageContaining("above zero");
        assertThatThrownBy(() -> new FireGuard(Double.NaN, null)).hasMessageContaining("above zero");
        assertThatThrownBy(() -> new FireGuard(null, 0L)).hasMessageContaining("at least 1");
    }
}
