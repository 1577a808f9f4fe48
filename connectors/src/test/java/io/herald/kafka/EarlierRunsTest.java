package io.herald.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.CampaignStatus;
import io.herald.model.StatusKind;
import org.junit.jupiter.api.Test;

/** How a campaign's statuses add up to "finished" for a restore. */
class EarlierRunsTest {
    private static CampaignStatus fannedOut(int subtask, int subtasks, long targeted) {
        CampaignStatus s = CampaignStatus.of("c1", StatusKind.FANNED_OUT, null, 0);
        s.subtask = subtask;
        s.subtasks = subtasks;
        s.keyGroupsTotal = 128;
        s.targeted = targeted;
        s.handedOut = targeted;
        return s;
    }

    @Test
    void aWalkIsDoneWhenEveryKeyGroupIsCovered_atAnyParallelism() {
        EarlierRuns.Ledger l = new EarlierRuns.Ledger();
        l.add(fannedOut(0, 2, 100));
        assertThat(l.walkedEverywhere()).isFalse();
        // Restored at parallelism 4, the other half walked by instances 2 and 3.
        l.add(fannedOut(2, 4, 30));
        assertThat(l.walkedEverywhere()).isFalse();
        l.add(fannedOut(3, 4, 20));
        assertThat(l.walkedEverywhere()).isTrue();
        assertThat(l.notifications()).isEqualTo(150);
    }

    @Test
    void keyGroupsWalkedTwiceCountOnce_andRetriesAddTheirNotifications() {
        EarlierRuns.Ledger l = new EarlierRuns.Ledger();
        l.add(fannedOut(0, 2, 100));
        l.add(fannedOut(1, 2, 90));
        l.add(fannedOut(1, 2, 90)); // a replay that walked instance 1's groups again
        CampaignStatus retried = CampaignStatus.of("c1", StatusKind.RETRIED, null, 0);
        retried.handedOut = 7L;
        l.add(retried);
        assertThat(l.walkedEverywhere()).isTrue();
        assertThat(l.notifications()).isEqualTo(197);
        assertThat(l.cancelled).isFalse();
    }

    @Test
    void progressIsNotAWalkDone_andACancelIsRemembered() {
        EarlierRuns.Ledger l = new EarlierRuns.Ledger();
        CampaignStatus progress = fannedOut(0, 1, 10);
        progress.status = StatusKind.PROGRESS;
        l.add(progress);
        assertThat(l.walkedEverywhere()).isFalse();
        l.add(CampaignStatus.of("c1", StatusKind.CANCELLED, null, 0));
        assertThat(l.cancelled).isTrue();
    }
}
