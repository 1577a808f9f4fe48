package io.herald.job.fanout.walk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.campaign.QuietHours;
import io.herald.model.DeviceRecord;
import io.herald.model.Outcome;
import io.herald.model.QuietHoursSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The walk's pure parts, without a harness: its pace, its quiet-hours gate, a retry's targets. */
class WalkPartsTest {
    private static long utc(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    private static DeviceRecord in(String zone) {
        DeviceRecord d = new DeviceRecord();
        d.deviceId = zone;
        d.timezone = zone;
        return d;
    }

    private static QuietHours night(String action) {
        QuietHoursSpec spec = new QuietHoursSpec();
        spec.from = "22:00";
        spec.to = "08:00";
        spec.action = action;
        return QuietHours.of(spec);
    }

    @Test
    void aPaceLetsTheNthNotificationGoAtNOverTheRate_andSaysWhenTheNextMay() {
        Pacing pace = new Pacing(10, 1_000); // ten a second from t = 1 s
        assertThat(pace.allows(1_000)).isTrue();
        pace.handedOut(5);
        assertThat(pace.allows(1_400)).isFalse();
        assertThat(pace.resumeAt()).isEqualTo(1_500);
        assertThat(pace.allows(1_500)).isTrue();
        assertThatThrownBy(() -> new Pacing(0, 0)).hasMessageContaining("above zero");
    }

    @Test
    void quietHoursHoldOrRefuseADeviceInItsOwnZone_andTheWalkOfHeldDevicesTakesExactlyThoseItHeld() {
        long londonNight = utc("2026-11-25T23:00:00Z"); // 23:00 in London, 08:00 in Tokyo
        QuietHoursGate hold = new QuietHoursGate(night("hold"), ZoneOffset.UTC, londonNight, null);
        assertThat(hold.judge(in("Europe/London"))).isEqualTo(DeviceGate.Verdict.HOLD);
        assertThat(hold.judge(in("Asia/Tokyo"))).isEqualTo(DeviceGate.Verdict.PASS);

        QuietHoursGate drop = new QuietHoursGate(night("drop"), ZoneOffset.UTC, londonNight, null);
        assertThat(drop.judge(in("Europe/London"))).isEqualTo(DeviceGate.Verdict.REFUSE);
        assertThat(drop.refusedAs()).isEqualTo(Outcome.QUIET_HOURS);

        long londonMorning = utc("2026-11-26T08:00:00Z");
        QuietHoursGate held = new QuietHoursGate(night("hold"), ZoneOffset.UTC, londonNight, londonMorning);
        assertThat(held.judge(in("Europe/London"))).isEqualTo(DeviceGate.Verdict.PASS);
        assertThat(held.judge(in("Asia/Tokyo")))
                .as("never held: another walk sent it")
                .isEqualTo(DeviceGate.Verdict.SKIP);
        assertThat(held.judge(in("America/New_York")))
                .as("held until another end")
                .isEqualTo(DeviceGate.Verdict.SKIP);
    }

    @Test
    void aRetrysOutcomesAreCheckpointedAsNamesAndItsTargetsAreThoseWhoseAnswerHadOne() {
        RetryTargets t = new RetryTargets(List.of(Outcome.FAILED, Outcome.CANCELLED));
        assertThat(t.encode()).isEqualTo("CANCELLED,FAILED");
        assertThat(RetryTargets.decode(t.encode()).outcomes()).isEqualTo(t.outcomes());
        assertThat(t.wants(Outcome.FAILED)).isTrue();
        assertThat(t.wants(Outcome.DELIVERED)).isFalse();
        assertThat(t.isEmpty()).as("nothing read yet").isTrue();
        t.found(Set.of("c1/d1"));
        assertThat(t.contains("c1/d1")).isTrue();
        assertThat(t.contains("c1/d2")).isFalse();
    }
}
