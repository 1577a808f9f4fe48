package io.herald.job.fanout.walk;

import io.herald.model.CampaignStatus;
import io.herald.model.StatusKind;
import java.util.function.Consumer;

/**
 * Says on {@code campaign-status} that an app's runaway guard capped a user ({@link
 * StatusKind#RUNAWAY}). Each user is named once per guard window (the user's state remembers it),
 * and one instance names at most {@link #PER_SECOND} users a second: a broadcast that meets the
 * guard for a million users must not write a million alerts beside its million receipts. An alert
 * past that bound is counted, not written, and the next one written says how many it stands for
 * ({@code alertsLeftOut}); every capped notification has its own receipt either way.
 */
public final class RunawayAlerts {
    /** The most alerts one instance writes in a second. */
    public static final int PER_SECOND = 10;

    private final Consumer<CampaignStatus> out;
    private long second = Long.MIN_VALUE;
    private int written;
    private long leftOut;

    public RunawayAlerts(Consumer<CampaignStatus> out) {
        this.out = out;
    }

    /** The guard capped {@code userId}'s notification of {@code campaignId} at {@code now}, for {@code reason}. */
    public void capped(String campaignId, String appId, String userId, String reason, long now) {
        long s = now / 1000;
        if (s != second) {
            second = s;
            written = 0;
        }
        if (written == PER_SECOND) {
            leftOut++;
            return;
        }
        written++;
        CampaignStatus alert = CampaignStatus.of(campaignId, StatusKind.RUNAWAY, reason, now);
        alert.appId = appId;
        alert.userId = userId;
        if (leftOut > 0) {
            alert.alertsLeftOut = leftOut;
            leftOut = 0;
        }
        out.accept(alert);
    }
}
