package io.herald.job.fanout;

import io.herald.campaign.CampaignLife;
import io.herald.campaign.LocalTimeSchedule;
import io.herald.campaign.QuietHours;
import io.herald.campaign.ReplayPolicy;
import io.herald.job.fanout.walk.WalkId;
import io.herald.job.fanout.walk.WalkPlan;
import io.herald.job.functions.CampaignFanOut.CampaignEntry;
import io.herald.model.CampaignStatus;
import io.herald.model.StatusKind;
import java.time.Instant;
import java.util.List;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

/**
 * The campaigns' own clocks: a {@code schedule.at} that comes due, each moment of a local-time
 * schedule, and the end of each quiet window that held devices. Timers are not checkpointed: the
 * schedules and what has started of them are, with the campaigns, and {@link #restore} sets the
 * timers again (one whose time passed while the job was down goes at once). Every instance decides
 * alike, from the same broadcast state; the first says so on campaign-status.
 */
final class CampaignTimers {
    /** Starts a walk of a campaign, for the moment {@code at}. */
    interface Walks {
        void start(WalkId id, CampaignEntry entry, long at) throws Exception;
    }

    private final CampaignTable campaigns;
    private final ProcessingTimeService time;
    private final FanOutSettings settings;
    private final ReplayPolicy replay;
    private final AnswersOnRecord earlier;
    private final FanOutOutput out;
    private final Walks walks;

    CampaignTimers(
            CampaignTable campaigns,
            ProcessingTimeService time,
            FanOutSettings settings,
            ReplayPolicy replay,
            AnswersOnRecord earlier,
            FanOutOutput out,
            Walks walks) {
        this.campaigns = campaigns;
        this.time = time;
        this.settings = settings;
        this.replay = replay;
        this.earlier = earlier;
        this.out = out;
        this.walks = walks;
    }

    /** After a restore: the timers of every campaign's schedule and of the quiet-hour holds of its fires. */
    void restore() throws Exception {
        for (var c : campaigns.entries()) {
            CampaignEntry entry = c.getValue();
            if (entry.state == CampaignLife.State.FIRED) {
                LocalTimeSchedule local = entry.local();
                for (long moment : local != null ? entry.slotsStarted : List.of(entry.firedAt)) {
                    registerHolds(c.getKey(), entry, moment);
                }
                if (entry.winnerAt != null) {
                    registerHolds(c.getKey(), entry, entry.winnerAt); // a tested campaign's winner's walk
                }
            }
            schedule(c.getKey(), entry);
        }
    }

    /**
     * Sets the timers of a campaign's schedule (at once for a time that has passed): its
     * {@code schedule.at} while it is created, or each local-time moment not started yet.
     */
    void schedule(String campaignId, CampaignEntry entry) {
        LocalTimeSchedule local = entry.local();
        if (local != null && entry.state != CampaignLife.State.CANCELLED) {
            for (long slot : local.slots()) {
                if (!entry.slotsStarted.contains(slot)) {
                    time.registerTimer(Math.max(slot, now()), t -> localMomentDue(campaignId, slot));
                }
            }
            return;
        }
        if (entry.state != CampaignLife.State.CREATED
                || entry.campaign.schedule == null
                || entry.campaign.schedule.at == null) {
            return;
        }
        time.registerTimer(Math.max(entry.campaign.schedule.at, now()), t -> scheduledFireDue(campaignId));
    }

    /**
     * A schedule's time has come: the campaign fires as if a {@code fire} record written at that time
     * had come, unless it fired already (a {@code fire} came first), was cancelled, or was replaced
     * by a definition with a later time (whose own timer is set).
     */
    private void scheduledFireDue(String campaignId) throws Exception {
        CampaignEntry entry = campaigns.get(campaignId);
        long now = now();
        if (entry == null
                || entry.state != CampaignLife.State.CREATED
                || entry.campaign.schedule == null
                || entry.campaign.schedule.at == null
                || entry.campaign.schedule.at > now) {
            return;
        }
        long at = entry.campaign.schedule.at;
        String skip = skip(campaignId, entry, at, now);
        if (skip == null && settings.fireGuard(entry.campaign.appId) != null) {
            // Counted first; it is fired only if its app's fire guard lets it go (refused, it waits
            // for a fire record that confirms its audience).
            if (entry.refusedFireAt == null || entry.refusedFireAt != at) {
                walks.start(WalkId.fire(campaignId), entry, at);
            }
            return;
        }
        campaigns.markFired(campaignId, entry, at);
        out.campaignWide(
                CampaignStatus.of(campaignId, skip != null ? StatusKind.SKIPPED : StatusKind.FIRED, skip, now));
        if (skip == null) {
            walks.start(WalkId.fire(campaignId), entry, at);
        }
    }

    /**
     * One moment of a local-time schedule has come: a walk of its own hands the campaign out to the
     * devices whose zone falls on it. The moments started are kept with the campaign, so a restore
     * starts each once; the first moment fires the campaign. If the app has a fire guard, the first
     * moment due counts the whole audience first, and the moments wait for its answer
     * ({@link #momentsDue}); refused, none goes (a fire record that confirms its audience sends every
     * zone at once).
     */
    private void localMomentDue(String campaignId, long moment) throws Exception {
        CampaignEntry entry = campaigns.get(campaignId);
        LocalTimeSchedule local = entry == null ? null : entry.local();
        if (local == null
                || entry.state == CampaignLife.State.CANCELLED
                || entry.slotsStarted.contains(moment)
                || !local.slots().contains(moment)) {
            return; // cancelled, fired by hand, already started, or replaced by another schedule
        }
        long now = now();
        String skip = skip(campaignId, entry, moment, now);
        if (skip == null
                && entry.state == CampaignLife.State.CREATED
                && settings.fireGuard(entry.campaign.appId) != null) {
            boolean refused = entry.refusedFireAt != null && local.slots().contains(entry.refusedFireAt);
            if (!refused) {
                walks.start(WalkId.scheduleCheck(campaignId, moment), entry, moment);
            }
            return;
        }
        entry.slotsStarted.add(moment);
        if (skip != null) {
            campaigns.put(campaignId, entry);
            out.campaignWide(CampaignStatus.of(
                    campaignId,
                    StatusKind.SKIPPED,
                    "the devices due at " + Instant.ofEpochMilli(moment) + ": " + skip,
                    now));
            return;
        }
        if (entry.state == CampaignLife.State.CREATED) {
            out.campaignWide(CampaignStatus.of(campaignId, StatusKind.FIRED, null, now));
            campaigns.markFired(campaignId, entry, moment);
        } else {
            campaigns.put(campaignId, entry);
        }
        walks.start(WalkId.localMoment(campaignId, moment), entry, moment);
    }

    /**
     * A local-time schedule its fire guard let go: every moment due by now goes at once (the later
     * ones at their time, as their timers come).
     */
    void momentsDue(String campaignId) throws Exception {
        CampaignEntry entry = campaigns.get(campaignId);
        LocalTimeSchedule local = entry == null ? null : entry.local();
        if (local == null) {
            return;
        }
        long now = now();
        for (long slot : local.slots()) {
            if (slot <= now && !entry.slotsStarted.contains(slot)) {
                localMomentDue(campaignId, slot);
            }
        }
    }

    /**
     * A fire's walk for {@code moment} holds the devices in quiet hours: a timer for each moment such
     * a window ends, across zones, whose walk sends them.
     */
    void registerHolds(String campaignId, CampaignEntry entry, long moment) {
        QuietHours quiet = settings.quietHoursOf(entry.campaign);
        if (quiet == null || !quiet.hold) {
            return;
        }
        for (long end : quiet.holdEnds(moment, WalkPlan.fallbackZone(entry.campaign))) {
            if (!entry.holdsStarted.contains(holdStarted(moment, end))) {
                time.registerTimer(Math.max(end, now()), t -> holdDue(campaignId, moment, end));
            }
        }
    }

    private void holdDue(String campaignId, long moment, long end) throws Exception {
        CampaignEntry entry = campaigns.get(campaignId);
        String started = holdStarted(moment, end);
        if (entry == null || entry.state == CampaignLife.State.CANCELLED || entry.holdsStarted.contains(started)) {
            return;
        }
        entry.holdsStarted.add(started);
        campaigns.put(campaignId, entry);
        walks.start(WalkId.held(campaignId, moment, end), entry, end);
    }

    /** How {@link CampaignEntry#holdsStarted} names the walk of the devices held at {@code moment} until {@code end}. */
    private static String holdStarted(long moment, long end) {
        return moment + "@" + end;
    }

    private String skip(String campaignId, CampaignEntry entry, long at, long now) {
        return replay.skipSchedule(at, now, entry.campaign.expiresAt, earlier.finishedEarlier(campaignId));
    }

    private long now() {
        return time.getCurrentProcessingTime();
    }
}
