package io.herald.job.fanout.walk;

import io.herald.campaign.PreparedCampaign;
import io.herald.job.functions.WalkPosition;
import io.herald.model.CampaignStatus;
import io.herald.model.DeviceRecord;
import io.herald.model.UserState;
import java.util.Collection;
import java.util.Map;

/**
 * A fire guard's count, before a fire: the devices the fire would reach (as an estimate counts
 * them) and all of the app's live devices, per key group.
 */
final class FireCheckAction implements WalkAction {
    private final WalkPlan plan;

    FireCheckAction(WalkPlan plan) {
        this.plan = plan;
    }

    @Override
    public void user(
            String userId,
            UserState state,
            Collection<DeviceRecord> devices,
            Map<String, DeviceGate> refused,
            WalkPosition p) {
        String app = plan.app();
        for (DeviceRecord d : devices) {
            if (app.equals(d.appId)) {
                p.appDevices++;
            }
        }
        PreparedCampaign.FanOutCount c = plan.campaign().select(userId, state.profile, devices, (d, arm) -> {});
        // A tested campaign's winner goes later to those its test leaves out, with no check of its
        // own: the guard counts them with the fire's audience.
        c.targeted += c.deferred;
        c.deferred = 0;
        p.count(c);
    }

    @Override
    public void finish(CampaignStatus status, Iterable<WalkPosition> positions) {
        long devices = 0;
        for (WalkPosition p : positions) {
            devices += p.appDevices;
        }
        status.appDevices = devices;
    }
}
