package io.herald.job.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.campaign.CampaignLife;
import io.herald.campaign.UrgentUpdateBudget;
import io.herald.job.functions.CampaignFanOut.CampaignEntry;
import io.herald.model.Campaign;
import io.herald.model.LiveActivity;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The decisions each fan-out instance makes alone, from its campaign table as a set: the same in any order. */
class LiveActivityFiresTest {
    private static CampaignEntry entry(String id, LiveActivity.Event event, String channel, Integer priority, long at) {
        Campaign c = new Campaign();
        c.campaignId = id;
        c.appId = "news";
        c.liveActivity = new LiveActivity();
        c.liveActivity.event = event;
        c.liveActivity.activityId = "match-42";
        c.liveActivity.broadcast = true;
        c.liveActivity.channelId = channel;
        c.liveActivity.priority = priority;
        return CampaignEntry.created(c, at);
    }

    private static List<Map.Entry<String, CampaignEntry>> table(List<CampaignEntry> entries, long seed) {
        List<Map.Entry<String, CampaignEntry>> t = new ArrayList<>();
        for (CampaignEntry e : entries) {
            t.add(new AbstractMap.SimpleEntry<>(e.campaign.campaignId, e));
        }
        Collections.shuffle(t, new Random(seed));
        return t;
    }

    @Test
    void anUpdateTakesTheChannelOfItsActivitysNewestStartThatIsNotCancelled_inAnyOrder() {
        CampaignEntry old = entry("old-start", LiveActivity.Event.START, "b2xk", null, 100);
        CampaignEntry renewed = entry("renewed", LiveActivity.Event.START, "bmV3", null, 200);
        CampaignEntry cancelled = entry("cancelled", LiveActivity.Event.START, "Y2FuY2Vs", null, 300);
        cancelled.state = CampaignLife.State.CANCELLED;
        CampaignEntry other = entry("other-match", LiveActivity.Event.START, "b3RoZXI=", null, 400);
        other.campaign.liveActivity.activityId = "match-7";
        CampaignEntry update = entry("goal", LiveActivity.Event.UPDATE, null, null, 500);
        for (long seed = 0; seed < 20; seed++) {
            assertThat(LiveActivityFires.channelOf(
                            update.campaign, table(List.of(old, renewed, cancelled, other, update), seed)))
                    .isEqualTo("bmV3");
        }
        assertThat(LiveActivityFires.channelOf(update.campaign, table(List.of(cancelled, other), 1)))
                .isNull();
        update.campaign.liveActivity.channelId = "b3du";
        assertThat(LiveActivityFires.channelOf(update.campaign, table(List.of(renewed), 1)))
                .isEqualTo("b3du");
    }

    @Test
    void theBudgetDecidesByTheRecordsTimes_theSameInAnyOrder() {
        UrgentUpdateBudget two = new UrgentUpdateBudget(2);
        List<CampaignEntry> updates = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            updates.add(entry("u" + i, LiveActivity.Event.UPDATE, null, 10, 1_000L * i));
        }
        updates.add(entry("same-time", LiveActivity.Event.UPDATE, null, 10, 2_000L));
        updates.add(entry("quiet", LiveActivity.Event.UPDATE, null, 5, 500L));
        for (long seed = 0; seed < 20; seed++) {
            List<Map.Entry<String, CampaignEntry>> t = table(updates, seed);
            assertThat(LiveActivityFires.priorityWithinBudget(updates.get(0), two, t))
                    .isNull();
            assertThat(LiveActivityFires.priorityWithinBudget(updates.get(1), two, t))
                    .isNull();
            // u2 and same-time share a time (same-time sorts first by id): both come after two that went at 10.
            assertThat(LiveActivityFires.priorityWithinBudget(updates.get(2), two, t))
                    .isEqualTo(5);
            assertThat(LiveActivityFires.priorityWithinBudget(updates.get(6), two, t))
                    .isEqualTo(5);
            assertThat(LiveActivityFires.priorityWithinBudget(updates.get(7), two, t))
                    .as("asks for 5")
                    .isNull();
        }
        CampaignEntry nextHour = entry("next-hour", LiveActivity.Event.UPDATE, null, 10, 3_601_500L);
        List<CampaignEntry> later = new ArrayList<>(updates);
        later.add(nextHour);
        assertThat(LiveActivityFires.priorityWithinBudget(nextHour, two, table(later, 3)))
                .as("u0 and u1 went at 10 more than an hour before it; the rest in its hour went at 5")
                .isNull();
    }
}
