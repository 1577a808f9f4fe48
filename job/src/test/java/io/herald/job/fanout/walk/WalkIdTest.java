package io.herald.job.fanout.walk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Walk ids in the forms every savepoint so far holds, read back whatever the campaign id holds. */
class WalkIdTest {
    @Test
    void eachKindIsWrittenAsSavepointsHaveItAndReadBack() {
        assertThat(WalkId.fire("c1").encode()).isEqualTo("c1");
        assertThat(WalkId.localMoment("c1", 1700).encode()).isEqualTo("c1@1700");
        assertThat(WalkId.held("c1", 1700, 1800).encode()).isEqualTo("c1@held@1700@1800");
        assertThat(WalkId.estimate("c1", 5).encode()).isEqualTo("c1#estimate@5");
        assertThat(WalkId.retry("c1", 6).encode()).isEqualTo("c1#retry@6");
        assertThat(WalkId.retryEstimate("c1", 7).encode()).isEqualTo("c1#retry-estimate@7");
        assertThat(WalkId.fireCheck("c1", 8).encode()).isEqualTo("c1#fire-check@8");
        assertThat(WalkId.scheduleCheck("c1", 9).encode()).isEqualTo("c1#schedule-check@9");
        assertThat(WalkId.winner("c1", 10).encode()).isEqualTo("c1#winner@10");
    }

    @Test
    void aCampaignIdWithTheSeparatorsInItReadsBackTheSame() {
        for (String campaign :
                List.of("c1", "a@b", "x#retry@1", "@held@", "news#estimate@", "y#schedule-check@", "z#winner@")) {
            for (WalkId id : List.of(
                    WalkId.fire(campaign),
                    WalkId.localMoment(campaign, 42),
                    WalkId.held(campaign, 42, 43),
                    WalkId.estimate(campaign, 1),
                    WalkId.retry(campaign, 2),
                    WalkId.retryEstimate(campaign, 3),
                    WalkId.fireCheck(campaign, 4),
                    WalkId.scheduleCheck(campaign, 5),
                    WalkId.winner(campaign, 6))) {
                assertThat(WalkId.decode(id.encode(), campaign)).isEqualTo(id);
            }
        }
    }

    @Test
    void whatIsNoWalkIdOfTheCampaignIsRefusedSayingWhy() {
        assertThatThrownBy(() -> WalkId.decode("c2", "c1")).hasMessageContaining("is not of campaign c1");
        assertThatThrownBy(() -> WalkId.decode("c1#retry@x", "c1")).hasMessageContaining("malformed");
        assertThatThrownBy(() -> WalkId.decode("c1!", "c1")).hasMessageContaining("no known kind");
    }

    @Test
    void onlyTheWalkOfHeldDevicesIsHeld_andOnlyFiresAndRetriesHandOut() {
        assertThat(WalkId.held("c", 1, 2).isHeld()).isTrue();
        assertThat(WalkId.localMoment("c", 1).isHeld()).isFalse();
        assertThat(WalkId.scheduleCheck("c", 1).isScheduleCheck()).isTrue();
        assertThat(WalkId.fireCheck("c", 1).isScheduleCheck()).isFalse();
        assertThat(WalkId.scheduleCheck("c", 1).isWholeFire()).isFalse();
        assertThat(WalkId.winner("c", 1).isWholeFire()).isFalse();
        assertThat(WalkId.winner("c", 1).isWinner()).isTrue();
        assertThat(WalkId.fire("c").isWinner()).isFalse();
        assertThat(WalkKind.FIRE.handsOut()).isTrue();
        assertThat(WalkKind.RETRY.handsOut()).isTrue();
        assertThat(WalkKind.ESTIMATE.handsOut()).isFalse();
        assertThat(WalkKind.RETRY_ESTIMATE.handsOut()).isFalse();
    }
}
