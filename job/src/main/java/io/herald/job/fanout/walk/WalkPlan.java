package io.herald.job.fanout.walk;

import io.herald.campaign.LocalTimeSchedule;
import io.herald.campaign.PreparedCampaign;
import io.herald.campaign.QuietHours;
import io.herald.campaign.UserLimits;
import io.herald.model.Campaign;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * What a walk is for, decided when it starts and the same for all of its users: the campaign as
 * prepared for the walk's moment, and the rules of the campaign's app that apply to it.
 *
 * @param at the moment the walk stands for: the fire's time, a local-time moment, the end of a
 *     quiet window, or for a retry, the original fire's
 * @param quiet the quiet hours the walk keeps, or null
 * @param local the campaign's local-time schedule, or null
 * @param limits the app's runaway guard and frequency cap, as they apply to the campaign
 */
public record WalkPlan(
        WalkId id, long at, PreparedCampaign campaign, QuietHours quiet, LocalTimeSchedule local, UserLimits limits) {
    /** The campaign's app. */
    public String app() {
        return campaign.campaign().appId;
    }

    /** The zone of devices without one: the schedule's default zone, else UTC. */
    public ZoneId fallbackZone() {
        return fallbackZone(campaign.campaign());
    }

    /** The zone of a campaign's devices without one: its schedule's default zone, else UTC. */
    public static ZoneId fallbackZone(Campaign campaign) {
        return campaign.schedule != null && campaign.schedule.defaultTimezone != null
                ? QuietHours.zoneOf(campaign.schedule.defaultTimezone, ZoneOffset.UTC)
                : ZoneOffset.UTC;
    }
}
