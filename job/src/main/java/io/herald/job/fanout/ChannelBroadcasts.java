package io.herald.job.fanout;

import io.herald.campaign.PreparedCampaign;
import io.herald.campaign.UrgentUpdateBudget;
import io.herald.job.fanout.walk.WalkContext;
import io.herald.job.fanout.walk.WalkId;
import io.herald.job.fanout.walk.WalkKind;
import io.herald.job.functions.CampaignFanOut.CampaignEntry;
import io.herald.model.Campaign;
import io.herald.model.CampaignStatus;
import io.herald.model.LiveActivity;
import io.herald.model.SendRequest;
import java.util.Map;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Broadcast Live Activity updates and ends: instead of a walk of users, one request to the
 * activity's APNs channel, handed out by the one instance that holds the campaign id's key group
 * (so a rescale moves it, as it moves a user), with the answer on record if an earlier run had it.
 * Every instance reports its share of the fan-out at once, so the campaign is fanned out when every
 * key group is reported, as a walk's is.
 */
final class ChannelBroadcasts {
    private final WalkContext ctx;
    private final FanOutOutput out;
    private final KeyGroupRange keyGroups;

    ChannelBroadcasts(WalkContext ctx, FanOutOutput out, KeyGroupRange keyGroups) {
        this.ctx = ctx;
        this.out = out;
        this.keyGroups = keyGroups;
    }

    /**
     * Names the channel of a broadcast update or end that names none: the channel of the start of the
     * same activity of the same app in {@code campaigns}.
     *
     * @return why the campaign must be refused (no such start is known), or null
     */
    static String resolveChannel(Campaign campaign, Iterable<Map.Entry<String, CampaignEntry>> campaigns) {
        LiveActivity activity = campaign.liveActivity;
        if (activity == null || !activity.sentToChannel() || activity.channelId != null) {
            return null;
        }
        for (Map.Entry<String, CampaignEntry> e : campaigns) {
            Campaign start = e.getValue().campaign;
            if (start != null
                    && start.liveActivity != null
                    && start.liveActivity.event == LiveActivity.Event.START
                    && start.liveActivity.channelId != null
                    && activity.activityId.equals(start.liveActivity.activityId)
                    && campaign.appId.equals(start.appId)) {
                activity.channelId = start.liveActivity.channelId;
                return null;
            }
        }
        return "liveActivity: no broadcast start of activity '" + activity.activityId + "' of app " + campaign.appId
                + " is known, so its channel is not: create the start first, or name the channel (channelId)";
    }

    /**
     * Keeps an urgent (priority 10) update of an activity within its app's {@code budget}, counting
     * the urgent updates of the same activity created in the hour before it in {@code campaigns}.
     *
     * @return what its acceptance says when it goes at priority 5 instead, or null
     */
    static String withinBudget(
            Campaign campaign,
            long createdAt,
            UrgentUpdateBudget budget,
            Iterable<Map.Entry<String, CampaignEntry>> campaigns) {
        if (!UrgentUpdateBudget.counted(campaign)) {
            return null;
        }
        int spent = 0;
        for (Map.Entry<String, CampaignEntry> e : campaigns) {
            CampaignEntry other = e.getValue();
            if (other.campaign != null
                    && UrgentUpdateBudget.sameHourSameActivity(campaign, createdAt, other.campaign, other.createdAt)) {
                spent++;
            }
        }
        return budget.apply(campaign, spent);
    }

    /** A fire (or an estimate) of a broadcast: the request (on the instance holding it) and this instance's report. */
    void walk(WalkId id, PreparedCampaign prepared, CampaignEntry entry) {
        Campaign campaign = entry.campaign;
        boolean mine =
                keyGroups.contains(KeyGroupRangeAssignment.assignToKeyGroup(campaign.campaignId, ctx.maxParallelism()));
        CampaignStatus s = CampaignStatus.of(id.campaignId(), id.kind().finalStatus, null, ctx.now());
        s.subtask = ctx.instance();
        s.subtasks = ctx.instances();
        s.keyGroups = keyGroups.getNumberOfKeyGroups();
        s.keyGroupsDone = s.keyGroups;
        s.keyGroupsTotal = ctx.maxParallelism();
        s.users = 0L;
        s.suppressed = 0L;
        s.targeted = mine ? 1L : 0L;
        if (id.kind() == WalkKind.FIRE) {
            s.handedOut = 0L;
            if (mine) {
                SendRequest r = prepared.toChannel(campaign.liveActivity.channelId);
                r.answer = ctx.answerOnRecord(r.notificationId);
                if (r.answer == null) {
                    s.handedOut = 1L;
                }
                out.request(r);
            }
        }
        out.status(s);
    }
}
