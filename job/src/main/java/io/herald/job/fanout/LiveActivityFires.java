package io.herald.job.fanout;

import io.herald.campaign.CampaignLife;
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
import io.herald.model.StatusKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * What the fan-out decides for a Live Activity campaign beyond a walk: a broadcast update or end's
 * one request to the activity's APNs channel, and an update's APNs priority under its app's
 * {@link UrgentUpdateBudget}.
 *
 * <p>Campaign records reach the instances over separate channels, so two of them may arrive in
 * another order on each instance: every decision here is made from the campaign table as a set,
 * ordered by the records' own times, so every instance (and a restore) decides the same way. A
 * broadcast is handed out by the one instance that holds the campaign id's key group, with the
 * answer on record if an earlier run had it; every instance reports its share of the fan-out at
 * once, so the campaign is fanned out when every key group is reported, as a walk's is.
 */
final class LiveActivityFires {
    private final WalkContext ctx;
    private final FanOutOutput out;
    private final KeyGroupRange keyGroups;

    LiveActivityFires(WalkContext ctx, FanOutOutput out, KeyGroupRange keyGroups) {
        this.ctx = ctx;
        this.out = out;
        this.keyGroups = keyGroups;
    }

    /**
     * The channel of a broadcast update or end: its own, else that of the newest start of the same
     * activity of the same app in {@code campaigns} that is not cancelled (by its record's time, then
     * its id); null if there is none.
     */
    static String channelOf(Campaign campaign, Iterable<Map.Entry<String, CampaignEntry>> campaigns) {
        LiveActivity activity = campaign.liveActivity;
        if (activity.channelId != null) {
            return activity.channelId;
        }
        CampaignEntry newest = null;
        for (Map.Entry<String, CampaignEntry> e : campaigns) {
            CampaignEntry start = e.getValue();
            LiveActivity a = start.campaign == null ? null : start.campaign.liveActivity;
            if (a != null
                    && a.event == LiveActivity.Event.START
                    && a.channelId != null
                    && start.state != CampaignLife.State.CANCELLED
                    && activity.activityId.equals(a.activityId)
                    && campaign.appId.equals(start.campaign.appId)
                    && (newest == null || NEWEST_FIRST.compare(start, newest) < 0)) {
                newest = start;
            }
        }
        return newest == null ? null : newest.campaign.liveActivity.channelId;
    }

    /** Newest record first; records of the same time by campaign id. */
    private static final Comparator<CampaignEntry> NEWEST_FIRST = Comparator.<CampaignEntry>comparingLong(
                    e -> e.createdAt)
            .reversed()
            .thenComparing(e -> e.campaign.campaignId);

    /**
     * The priority an update goes at under {@code budget}: the updates of its app's activity in
     * {@code campaigns}, in the order of their records' times (then ids): each asking for 10 goes at
     * 10 while fewer than the budget went at 10 in the hour before it, else at 5.
     *
     * @return 5 when the budget makes an update that asks for 10 go at 5; null when it goes as asked
     */
    static Integer priorityWithinBudget(
            CampaignEntry entry, UrgentUpdateBudget budget, Iterable<Map.Entry<String, CampaignEntry>> campaigns) {
        Campaign campaign = entry.campaign;
        if (!UrgentUpdateBudget.counted(campaign)) {
            return null;
        }
        List<CampaignEntry> urgent = new ArrayList<>();
        for (Map.Entry<String, CampaignEntry> e : campaigns) {
            CampaignEntry other = e.getValue();
            if (other.campaign != null
                    && UrgentUpdateBudget.earlierOfSameActivity(
                            campaign, entry.createdAt, other.campaign, other.createdAt)) {
                urgent.add(other);
            }
        }
        urgent.sort(
                Comparator.<CampaignEntry>comparingLong(e -> e.createdAt).thenComparing(e -> e.campaign.campaignId));
        // Which of them went at 10 depends on the ones before them: walked in order from the first
        // (an activity has tens of updates, hundreds at most).
        List<Long> atTen = new ArrayList<>();
        for (CampaignEntry other : urgent) {
            if (budget.allows(countWithinHour(atTen, other.createdAt))) {
                atTen.add(other.createdAt);
            }
        }
        return budget.allows(countWithinHour(atTen, entry.createdAt)) ? null : 5;
    }

    private static int countWithinHour(List<Long> times, long at) {
        int n = 0;
        for (long t : times) {
            if (t <= at && t > at - UrgentUpdateBudget.WINDOW_MILLIS) {
                n++;
            }
        }
        return n;
    }

    /**
     * A fire (or an estimate) of a broadcast: the request on the instance holding it (refused there
     * if the activity's channel is unknown), and this instance's report.
     */
    void walk(
            WalkId id,
            PreparedCampaign prepared,
            CampaignEntry entry,
            Iterable<Map.Entry<String, CampaignEntry>> campaigns) {
        Campaign campaign = entry.campaign;
        boolean mine =
                keyGroups.contains(KeyGroupRangeAssignment.assignToKeyGroup(campaign.campaignId, ctx.maxParallelism()));
        String channel = mine ? channelOf(campaign, campaigns) : null;
        if (mine && channel == null) {
            out.status(CampaignStatus.of(
                    id.campaignId(),
                    StatusKind.REJECTED,
                    "liveActivity: no broadcast start of activity '" + campaign.liveActivity.activityId + "' of app "
                            + campaign.appId + " is known, so its channel is not: create the start first, or name"
                            + " the channel (channelId)",
                    ctx.now()));
        }
        CampaignStatus s = CampaignStatus.of(id.campaignId(), id.kind().finalStatus, null, ctx.now());
        s.subtask = ctx.instance();
        s.subtasks = ctx.instances();
        s.keyGroups = keyGroups.getNumberOfKeyGroups();
        s.keyGroupsDone = s.keyGroups;
        s.keyGroupsTotal = ctx.maxParallelism();
        s.users = 0L;
        s.suppressed = 0L;
        s.targeted = channel != null ? 1L : 0L;
        if (id.kind() == WalkKind.FIRE) {
            s.handedOut = 0L;
            if (channel != null) {
                SendRequest r = prepared.toChannel(channel);
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
