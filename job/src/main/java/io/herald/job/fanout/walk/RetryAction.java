package io.herald.job.fanout.walk;

import io.herald.job.functions.WalkPosition;
import io.herald.model.DeviceRecord;
import io.herald.model.UserState;
import java.util.Collection;
import java.util.Map;

/** A retry hands the campaign out again, with the same notification ids, to its targets only. */
final class RetryAction implements WalkAction {
    private final WalkPlan plan;
    private final WalkContext ctx;
    private final RetryTargets targets;

    RetryAction(WalkPlan plan, WalkContext ctx, RetryTargets targets) {
        this.plan = plan;
        this.ctx = ctx;
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
        plan.campaign().fanOut(userId, state.profile, devices, request -> {
            if (targets.contains(request.notificationId)) {
                p.targeted++;
                p.handedOut++;
                ctx.emit(request);
            }
        });
    }
}
