package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Schedule;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LocalTimeScheduleTest {
    private static Schedule at(String date, String time, String passed) {
        Schedule s = new Schedule();
        s.date = date;
        s.localTime = time;
        s.defaultTimezone = "Europe/London";
        s.passedZones = passed;
        return s;
    }

    private static long ms(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    @Test
    void eachZoneGetsItAtItsOwnWallClockTime_devicesWithoutAKnownZoneAtTheDefaults() {
        LocalTimeSchedule s = LocalTimeSchedule.of(at("2026-11-26", "09:00", null), ms("2026-11-25T12:00:00Z"));
        assertThat(s.slotOf("Asia/Tokyo")).isEqualTo(ms("2026-11-26T00:00:00Z"));
        assertThat(s.slotOf("Europe/London")).isEqualTo(ms("2026-11-26T09:00:00Z"));
        assertThat(s.slotOf("America/New_York")).isEqualTo(ms("2026-11-26T14:00:00Z"));
        assertThat(s.slotOf(null)).isEqualTo(ms("2026-11-26T09:00:00Z"));
        assertThat(s.slotOf("Mars/Olympus")).isEqualTo(ms("2026-11-26T09:00:00Z"));
        assertThat(s.slots())
                .contains(ms("2026-11-26T00:00:00Z"), ms("2026-11-26T14:00:00Z"))
                .hasSizeBetween(20, 60);
    }

    @Test
    void aTimeInTheSpringForwardGapIsTheMomentAfterIt_newYorkInMarch() {
        // 2026-03-08: New York skips from 02:00 EST to 03:00 EDT; 02:30 does not exist there.
        LocalTimeSchedule gap = LocalTimeSchedule.of(at("2026-03-08", "02:30", null), 0);
        assertThat(gap.slotOf("America/New_York")).isEqualTo(ms("2026-03-08T07:30:00Z"));
        LocalTimeSchedule after = LocalTimeSchedule.of(at("2026-03-08", "09:00", null), 0);
        assertThat(after.slotOf("America/New_York"))
                .as("09:00 EDT, UTC-4 from that night")
                .isEqualTo(ms("2026-03-08T13:00:00Z"));
        LocalTimeSchedule before = LocalTimeSchedule.of(at("2026-03-07", "09:00", null), 0);
        assertThat(before.slotOf("America/New_York")).as("09:00 EST, UTC-5").isEqualTo(ms("2026-03-07T14:00:00Z"));
    }

    @Test
    void zonesWhoseTimeHadPassedAtCreationGetItAtOnceOrNever_asTheCampaignSays() {
        long created = ms("2026-11-26T10:00:00Z"); // Tokyo's and London's 09:00 have passed
        LocalTimeSchedule skip = LocalTimeSchedule.of(at("2026-11-26", "09:00", "skip"), created);
        assertThat(skip.slotOf("Asia/Tokyo")).isEqualTo(LocalTimeSchedule.SKIP);
        assertThat(skip.slotOf("America/New_York")).isEqualTo(ms("2026-11-26T14:00:00Z"));
        assertThat(skip.slots()).doesNotContain(LocalTimeSchedule.SKIP).allMatch(t -> t >= created);
        LocalTimeSchedule now = LocalTimeSchedule.of(at("2026-11-26", "09:00", "send_now"), created);
        assertThat(now.slotOf("Asia/Tokyo")).isEqualTo(created);
        assertThat(now.slots()).contains(created);
    }

    @Test
    void badFieldsAreNamed() {
        Schedule s = at("2026-11-26", "9 o'clock", null);
        assertThat(LocalTimeSchedule.problem(s)).startsWith("schedule.localTime");
        s = at("tomorrow", "09:00", null);
        assertThat(LocalTimeSchedule.problem(s)).startsWith("schedule.date");
        s = at("2026-11-26", "09:00", "later");
        assertThat(LocalTimeSchedule.problem(s)).startsWith("schedule.passedZones");
        s = at("2026-11-26", "09:00", null);
        s.defaultTimezone = "Nowhere/Else";
        assertThat(LocalTimeSchedule.problem(s)).startsWith("schedule.defaultTimezone");
        s.defaultTimezone = "Europe/London";
        s.at = 5L;
        assertThat(LocalTimeSchedule.problem(s)).contains("both at and localTime");
        s.at = null;
        assertThat(LocalTimeSchedule.problem(s)).isNull();
    }
}
