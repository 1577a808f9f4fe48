package io.herald.job.fanout.walk;

import io.herald.campaign.PreparedCampaign;
import io.herald.campaign.UserLimits;
import io.herald.experiment.Attribution;
import io.herald.job.functions.WalkPosition;
import io.herald.model.DeviceRecord;
import io.herald.model.UserState;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A fire hands a notification out per targeted device, with the answer if one is on record (after a
 * restore), refused where the app's limits (its runaway guard, its frequency cap) or a gate say so,
 * and counts the user against the limits once per campaign. A user the runaway guard refuses for
 * the first time in its window is named on {@code campaign-status}.
 */
final class FireAction implements WalkAction {
    private final WalkPlan plan;
    private final WalkContext ctx;
    private final UserLimits limits;

    FireAction(WalkPlan plan, WalkContext ctx) {
        this.plan = plan;
        this.ctx = ctx;
        this.limits = plan.limits();
    }

    @Override
    public boolean platformsApart() {
        // Limits are decided and counted once per user for all of the user's devices.
        return !limits.any();
    }

    @Override
    public void user(
            String userId,
            UserState state,
            Collection<DeviceRecord> devices,
            Map<String, DeviceGate> refused,
            WalkPosition p)
            throws Exception {
        long now = ctx.now();
        UserLimits.Verdict verdict = limits.decide(state.profile, now);
        PreparedCampaign.FanOutCount c = plan.campaign().fanOut(userId, state.profile, devices, request -> {
            DeviceGate gate = refused == null ? null : refused.get(request.deviceId);
            if (!verdict.refuse(request) && gate != null) {
                request.refusal = gate.refusal();
                request.refusedAs = gate.refusedAs();
                p.quietHours++;
            }
            request.answer = ctx.answerOnRecord(request.notificationId);
            if (request.answer == null) {
                p.handedOut++;
                ctx.metrics().handedOut.inc();
            }
            ctx.emit(request);
        });
        p.count(c);
        if (verdict.limit() != null) {
            p.capped += c.targeted;
        }
        // Counted in the user's state with the walk's position: a restore rolls both back together,
        // so the walk counts each user once however often it is resumed.
        UserLimits.Settled settled = verdict.settle(c.targeted);
        // Exposed at the walk's moment (the fire's time), not when the walk reached the user: a walk
        // resumed after a restore exposes at the same time, and an open reported since still counts.
        List<Attribution.Counted> exposed = plan.campaign().expose(state.profile, c, plan.at());
        if (settled != UserLimits.Settled.UNCHANGED || !exposed.isEmpty()) {
            ctx.writeUser(userId, state);
        }
        exposed.forEach(ctx::counted);
        if (settled == UserLimits.Settled.WRITE_AND_ALERT) {
            ctx.runawayAlerts().capped(plan.id().campaignId(), plan.app(), userId, verdict.refusal(), now);
        }
    }
}
