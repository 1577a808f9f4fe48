package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.QuietHoursSpec;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class QuietHoursTest {
    private static QuietHoursSpec spec(String from, String to, String action) {
        QuietHoursSpec s = new QuietHoursSpec();
        s.from = from;
        s.to = to;
        s.action = action;
        return s;
    }

    private static long ms(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void aWindowAcrossMidnightIsQuietOnBothSides_andEndsAtItsNextEnd() {
        QuietHours night = QuietHours.of(spec("22:00", "08:00", null));
        ZoneId london = ZoneId.of("Europe/London");
        assertThat(night.hold).isTrue();
        assertThat(night.quiet(london, ms("2026-11-25T21:59:00Z"))).isFalse();
        assertThat(night.quiet(london, ms("2026-11-25T22:00:00Z"))).isTrue();
        assertThat(night.quiet(london, ms("2026-11-26T07:59:00Z"))).isTrue();
        assertThat(night.quiet(london, ms("2026-11-26T08:00:00Z"))).isFalse();
        assertThat(night.endAfter(london, ms("2026-11-25T23:00:00Z"))).isEqualTo(ms("2026-11-26T08:00:00Z"));
        assertThat(night.endAfter(london, ms("2026-11-26T03:00:00Z"))).isEqualTo(ms("2026-11-26T08:00:00Z"));
        assertThat(night.holdEnds(ms("2026-11-25T23:00:00Z"), london))
                .contains(ms("2026-11-26T08:00:00Z"))
                .allMatch(t -> t > ms("2026-11-25T23:00:00Z"));
    }

    @Test
    void theEndFollowsTheZonesClock_acrossASpringForward() {
        // New York, 2026-03-08: clocks go from 02:00 EST to 03:00 EDT; 08:00 that day is 12:00 UTC.
        QuietHours night = QuietHours.of(spec("22:00", "08:00", "drop"));
        ZoneId ny = ZoneId.of("America/New_York");
        assertThat(night.hold).isFalse();
        assertThat(night.endAfter(ny, ms("2026-03-08T04:00:00Z"))).isEqualTo(ms("2026-03-08T12:00:00Z"));
    }

    @Test
    void aCampaignsOwnWindowOrItsOffOverridesTheApps() {
        QuietHours app = QuietHours.of(spec("22:00", "08:00", null));
        QuietHoursSpec off = new QuietHoursSpec();
        off.off = true;
        assertThat(QuietHours.effective(null, app)).isSameAs(app);
        assertThat(QuietHours.effective(off, app)).isNull();
        assertThat(QuietHours.effective(spec("20:00", "07:00", null), app)).isNotSameAs(app);
        assertThat(QuietHours.problem(spec("22:00", null, null), "quietHours")).startsWith("quietHours.to is missing");
        assertThat(QuietHours.problem(spec("late", "08:00", null), "quietHours"))
                .startsWith("quietHours.from is not");
        assertThat(QuietHours.problem(spec("22:00", "08:00", "later"), "quietHours"))
                .contains("hold or drop");
        assertThat(QuietHours.problem(spec("22:00", "22:00", null), "quietHours"))
                .contains("same time");
        assertThat(QuietHours.problem(off, "quietHours")).isNull();
    }
}
