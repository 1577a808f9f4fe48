package io.herald.campaign;

import io.herald.model.Campaign;
import io.herald.model.LiveActivity;
import java.io.Serializable;

/**
 * An app's budget of priority-10 Live Activity updates per activity, in a rolling hour. APNs takes
 * priority 10 for an update the user must see at once and counts it against a budget per activity
 * that it does not publish (larger for apps with {@code NSSupportsLiveActivitiesFrequentUpdates});
 * once spent, the device throttles the activity's updates. Herald keeps under a stated budget: an
 * update asking for priority 10 when the activity's updates created in the hour before it (by their
 * create records' times) have asked for it {@link #perHour} times already goes at priority 5, and
 * its acceptance says so. Priority 5 updates are never counted (APNs delivers them as the device's
 * power allows). Pure: the fan-out decides it the same on every instance from its campaign table.
 */
public final class UrgentUpdateBudget implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Apple's guidance: priority 10 sparingly; a dozen an hour leaves an activity room for every real moment. */
    public static final int DEFAULT_PER_HOUR = 12;

    private static final long HOUR_MILLIS = 3_600_000L;

    private final int perHour;

    public UrgentUpdateBudget(int perHour) {
        if (perHour < 0) {
            throw new IllegalArgumentException("urgent Live Activity updates per hour must be 0 or more");
        }
        this.perHour = perHour;
    }

    public int perHour() {
        return perHour;
    }

    /** Whether {@code campaign} is an update that asks for priority 10 (an alert update), and so is counted. */
    public static boolean counted(Campaign campaign) {
        LiveActivity a = campaign.liveActivity;
        return a != null && a.event == LiveActivity.Event.UPDATE && a.priorityOrDefault() == 10;
    }

    /**
     * Whether {@code other}, created at {@code otherCreatedAt}, counts against the budget of
     * {@code campaign} created at {@code createdAt}: an urgent update of the same app's same activity
     * created in the hour before it.
     */
    public static boolean sameHourSameActivity(Campaign campaign, long createdAt, Campaign other, long otherCreatedAt) {
        return counted(other)
                && !other.campaignId.equals(campaign.campaignId)
                && other.appId.equals(campaign.appId)
                && other.liveActivity.activityId.equals(campaign.liveActivity.activityId)
                && otherCreatedAt <= createdAt
                && otherCreatedAt > createdAt - HOUR_MILLIS;
    }

    /**
     * Sends {@code campaign} at priority 5 when {@code spent} urgent updates of its activity are in
     * its hour already.
     *
     * @return what its acceptance says, or null when it goes as asked
     */
    public String apply(Campaign campaign, int spent) {
        if (!counted(campaign) || spent < perHour) {
            return null;
        }
        campaign.liveActivity.priority = 5;
        return "priority 10 budget of activity '" + campaign.liveActivity.activityId + "' spent (" + spent
                + " urgent updates in the hour, of " + perHour + "): sent at priority 5";
    }
}
