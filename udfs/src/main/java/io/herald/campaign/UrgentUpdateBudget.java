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
 * its fire says so. Priority 5 updates are never counted (APNs delivers them as the device's
 * power allows). Pure: the fan-out decides it the same on every instance from its campaign table.
 */
public final class UrgentUpdateBudget implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Apple's guidance: priority 10 sparingly; a dozen an hour leaves an activity room for every real moment. */
    public static final int DEFAULT_PER_HOUR = 12;

    /** The rolling window the budget counts in. */
    public static final long WINDOW_MILLIS = 3_600_000L;

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
     * Whether {@code other}, created at {@code otherCreatedAt}, is an urgent update of the same app's
     * same activity created before {@code campaign} (at {@code createdAt}; at the same time, one whose
     * id sorts first): one whose priority bears on its own.
     */
    public static boolean earlierOfSameActivity(
            Campaign campaign, long createdAt, Campaign other, long otherCreatedAt) {
        return counted(other)
                && !other.campaignId.equals(campaign.campaignId)
                && other.appId.equals(campaign.appId)
                && other.liveActivity.activityId.equals(campaign.liveActivity.activityId)
                && (otherCreatedAt < createdAt
                        || (otherCreatedAt == createdAt && other.campaignId.compareTo(campaign.campaignId) < 0));
    }

    /** Whether one more priority-10 update may go when {@code spent} went in its hour already. */
    public boolean allows(int spent) {
        return spent < perHour;
    }

    /** What a fire of an update sent at priority 5 by this budget says. */
    public String said(String activityId) {
        return "sent at priority 5: the priority 10 budget of activity '" + activityId + "' (" + perHour
                + " urgent updates an hour) is spent";
    }
}
