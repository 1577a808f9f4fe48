package io.herald.job.fanout.walk;

import io.herald.campaign.FrequencyCap;
import io.herald.campaign.PreparedCampaign;
import io.herald.job.functions.WalkPosition;
import io.herald.model.DeviceRecord;
import io.herald.model.Outcome;
import io.herald.model.UserState;
import java.util.Collection;
import java.util.Map;

/**
 * A fire hands a notification out per targeted device, with the answer if one is on record (after a
 * restore), refused where the app's frequency cap or a gate says so, and counts the user against the
 * cap once per campaign.
 */
final class FireAction implements WalkAction {
    private final WalkPlan plan;
    private final WalkContext ctx;
    private final FrequencyCap cap;

    FireAction(WalkPlan plan, WalkContext ctx) {
        this.plan = plan;
        this.ctx = ctx;
        this.cap = plan.cap();
    }

    @Override
    public boolean platformsApart() {
        // A cap is decided and counted once per user for all of the user's devices.
        return cap == null;
    }

    @Override
    public void user(
            String userId,
            UserState state,
            Collection<DeviceRecord> devices,
            Map<String, DeviceGate> refused,
            WalkPosition p)
            throws Exception {
        String app = plan.app();
        long now = ctx.now();
        boolean capped = cap != null && !cap.allows(state.profile.campaignSends.get(app), now);
        PreparedCampaign.FanOutCount c = plan.campaign().fanOut(userId, state.profile, devices, request -> {
            DeviceGate gate = refused == null ? null : refused.get(request.deviceId);
            if (capped) {
                request.refusal = cap.reason(app);
                request.refusedAs = Outcome.CAPPED;
            } else if (gate != null) {
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
        p.targeted += c.targeted;
        p.suppressed += c.suppressed;
        if (capped) {
            p.capped += c.targeted;
        } else if (cap != null && c.targeted > 0) {
            // Counted in the user's state with the walk's position: a restore rolls both back
            // together, so the walk counts each user once however often it is resumed.
            state.profile.campaignSends.put(app, cap.record(state.profile.campaignSends.get(app), now));
            ctx.writeUser(userId, state);
        }
    }
}
