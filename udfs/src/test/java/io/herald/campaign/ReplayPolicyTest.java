package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which records and schedules a run of the job acts on, from when and how it started. */
class ReplayPolicyTest {
    private static final long START = 10_000_000;
    private static final long HOUR = 3_600_000;

    @Test
    void whatWasWrittenSinceTheStart_orWithinTheClockSkew_isAlwaysActedOn() {
        ReplayPolicy fresh = new ReplayPolicy(START, false, HOUR, false, 30_000);
        assertThat(fresh.skipRecord(START, false)).isNull();
        assertThat(fresh.skipRecord(START - 30_000, false)).isNull();
        assertThat(fresh.skipRecord(START - 30_001, false)).contains("started without state");
    }

    @Test
    void aFreshStartTakesOlderRecordsForHistory_unlessToldToFire() {
        assertThat(new ReplayPolicy(START, false, HOUR, false, 0).skipRecord(1, true))
                .contains("taken for history");
        assertThat(new ReplayPolicy(START, false, HOUR, true, 0).skipRecord(1, false))
                .isNull();
    }

    @Test
    void aRestoreActsWithinTheWindow_orWhenTheCampaignAsksToBeResumed() {
        ReplayPolicy restored = new ReplayPolicy(START, true, HOUR, false, 0);
        assertThat(restored.skipRecord(START - HOUR, false)).isNull();
        assertThat(restored.skipRecord(START - HOUR - 1, false))
                .contains("more than replay.resumeCampaignsFiredWithinMs");
        assertThat(restored.skipRecord(START - HOUR - 1, true)).isNull();
    }

    @Test
    void aScheduleFiresWhenTheJobIsBack_unlessExpiredOrFinishedByALaterRun() {
        ReplayPolicy restored = new ReplayPolicy(START, true, HOUR, false, 0);
        assertThat(restored.skipSchedule(START - 10 * HOUR, START, null, null)).isNull();
        assertThat(restored.skipSchedule(START - 10, START, START - 1, null)).contains("expired");
        assertThat(restored.skipSchedule(START - 10, START, null, "done earlier"))
                .isEqualTo("done earlier");
        assertThat(restored.skipSchedule(START + 10, START + 10, null, "done earlier"))
                .isNull();
        assertThat(new ReplayPolicy(START, false, HOUR, false, 0).skipSchedule(START - 10, START, null, null))
                .contains("taken for history");
    }
}
