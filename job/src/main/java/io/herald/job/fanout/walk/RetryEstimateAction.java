package io.herald.job.fanout.walk;

import io.herald.job.functions.WalkPosition;
import io.herald.model.CampaignStatus;
import io.herald.model.DeviceRecord;
import io.herald.model.SendRequest;
import io.herald.model.UserState;
import java.util.Collection;
import java.util.Map;

/** The estimate of a retry counts the devices a retry would reach, per platform and locale. */
final class RetryEstimateAction implements WalkAction {
    private final WalkPlan plan;
    private final RetryTargets targets;

    RetryEstimateAction(WalkPlan plan, RetryTargets targets) {
        this.plan = plan;
        this.targets = targets;
    }

    @Override
    public void user(
            String userId,
            UserState state,
            Collection<DeviceRecord> devices,
            Map<String, DeviceGate> refused,
            WalkPosition p) {
        if (targets.isEmpty()) {
            return;
        }
        String campaignId = plan.id().campaignId();
        plan.campaign().select(userId, state.profile, devices, (d, arm) -> {
            if (targets.contains(SendRequest.notificationId(campaignId, null, d.deviceId))) {
                p.targeted++;
                EstimateAction.countDevice(p, d);
            }
        });
    }

    @Override
    public void finish(CampaignStatus status, Iterable<WalkPosition> positions) {
        EstimateAction.sumCounts(status, positions, plan.local() != null);
    }
}
