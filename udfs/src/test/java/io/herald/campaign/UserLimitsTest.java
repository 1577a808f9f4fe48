package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Outcome;
import io.herald.model.SendRequest;
import io.herald.model.UserProfile;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UserLimitsTest {
    private static final long HOUR = 3_600_000L;
    private final RunawayGuard guard = new RunawayGuard(3, Duration.ofHours(1));
    private final FrequencyCap cap = new FrequencyCap(1, Duration.ofHours(1));

    @Test
    void noLimitDecidesNothingAndCountsNothing() {
        UserProfile user = new UserProfile();
        UserLimits.Verdict v = UserLimits.NONE.decide(user, 0);
        assertThat(v.limit()).isNull();
        assertThat(v.refuse(new SendRequest())).isFalse();
        assertThat(v.settle(2)).isEqualTo(UserLimits.Settled.UNCHANGED);
        assertThat(user.runaway).isEmpty();
        assertThat(user.campaignSends).isEmpty();
        assertThat(UserLimits.of("news", null, null)).isSameAs(UserLimits.NONE);
    }

    @Test
    void everythingSentCountsAgainstTheGuard_theCapOnlyWhereItApplies_andTheGuardIsAskedFirst() {
        UserProfile user = new UserProfile();
        UserLimits campaign = UserLimits.of("news", guard, cap);
        UserLimits send = UserLimits.of("news", guard, null);
        assertThat(campaign.decide(user, 0).settle(2)).isEqualTo(UserLimits.Settled.WRITE);
        assertThat(user.runaway.get("news").sentAt).containsExactly(0L);
        assertThat(user.campaignSends.get("news")).containsExactly(0L);

        UserLimits.Verdict capped = campaign.decide(user, 1);
        assertThat(capped.limit()).isEqualTo(UserLimits.Limit.FREQUENCY_CAP);
        SendRequest r = new SendRequest();
        assertThat(capped.refuse(r)).isTrue();
        assertThat(r.refusedAs).isEqualTo(Outcome.CAPPED);
        assertThat(r.refusal).contains("apps.news.frequencyCap");
        assertThat(capped.settle(2))
                .as("a capped campaign sent nothing: nothing counted")
                .isEqualTo(UserLimits.Settled.UNCHANGED);
        assertThat(user.runaway.get("news").sentAt).containsExactly(0L);

        assertThat(send.decide(user, 2).settle(1)).isEqualTo(UserLimits.Settled.WRITE);
        assertThat(send.decide(user, 3).settle(1)).isEqualTo(UserLimits.Settled.WRITE);
        assertThat(user.runaway.get("news").sentAt).containsExactly(0L, 2L, 3L);
        assertThat(user.campaignSends.get("news"))
                .as("sends are not frequency-capped")
                .containsExactly(0L);

        UserLimits.Verdict guarded = campaign.decide(user, 4);
        assertThat(guarded.limit())
                .as("both would refuse; the guard says so")
                .isEqualTo(UserLimits.Limit.RUNAWAY_GUARD);
        assertThat(guarded.refusal())
                .isEqualTo("runaway guard: 3 notifications per user in PT1H reached (apps.news.runawayGuard)");
        assertThat(guarded.settle(2)).isEqualTo(UserLimits.Settled.WRITE_AND_ALERT);
        assertThat(send.decide(user, 5).settle(1)).as("named once per window").isEqualTo(UserLimits.Settled.UNCHANGED);
        assertThat(send.decide(user, 6).settle(0))
                .as("a user with no device reached is not named")
                .isEqualTo(UserLimits.Settled.UNCHANGED);

        // An hour after the first, it has left the window: one more may go, and then none again.
        assertThat(send.decide(user, HOUR + 1).settle(1)).isEqualTo(UserLimits.Settled.WRITE);
        UserLimits.Verdict full = send.decide(user, HOUR + 1);
        assertThat(full.limit()).isEqualTo(UserLimits.Limit.RUNAWAY_GUARD);
        assertThat(full.settle(1))
                .as("the alert at 4 is still inside the window")
                .isEqualTo(UserLimits.Settled.UNCHANGED);
        assertThat(send.decide(user, 2 * HOUR + 4).limit()).isNull();
        // Full again after the alert's window: named again.
        for (long t = 2 * HOUR + 4; t < 2 * HOUR + 7; t++) {
            assertThat(send.decide(user, t).settle(1)).isEqualTo(UserLimits.Settled.WRITE);
        }
        assertThat(send.decide(user, 2 * HOUR + 8).settle(1)).isEqualTo(UserLimits.Settled.WRITE_AND_ALERT);
    }

    @Test
    void theGuardsCountKeepsOnlyWhatIsInsideItsWindow_theNewestMax() {
        RunawayGuard g = new RunawayGuard(2, Duration.ofMinutes(1));
        UserProfile user = new UserProfile();
        UserLimits limits = UserLimits.of("shop", g, null);
        for (long t = 0; t < 5; t++) {
            limits.decide(user, t * 70_000).settle(1);
        }
        assertThat(user.runaway.get("shop").sentAt).containsExactly(280_000L);
        assertThat(user.runaway).containsOnlyKeys("shop");
    }
}
