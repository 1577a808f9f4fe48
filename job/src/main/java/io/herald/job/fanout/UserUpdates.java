package io.herald.job.fanout;

import io.herald.model.DeviceEvent;
import io.herald.model.DeviceRecord;
import io.herald.model.UserProfile;
import io.herald.model.UserState;
import io.herald.model.UserUpdate;
import io.herald.state.DeviceStateMerge;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Applies a device event or an audience row to a user's state, commutatively and idempotently
 * ({@link DeviceStateMerge}). An erase gives up the user's device ids and tokens: one release per
 * device, and one per Live Activity token, is written back to the devices topic, for the claim
 * stages to forget who held them.
 */
final class UserUpdates {
    private final FanOutOutput out;
    private final long ttlMillis;

    UserUpdates(FanOutOutput out, long ttlMillis) {
        this.out = out;
        this.ttlMillis = ttlMillis;
    }

    /** Applies {@code update} (not a send) to {@code u} at {@code now}; the caller writes {@code u} back. */
    void apply(UserUpdate update, UserState u, long now) throws Exception {
        UserProfile p = u.profile;
        if (update.device == null) {
            DeviceStateMerge.apply(p, update.audience);
            return;
        }
        DeviceEvent e = update.device;
        if (e.type == DeviceEvent.Type.ERASE_USER && e.version > p.erasedV) {
            releaseClaims(e, u.live(now, ttlMillis));
        } else if (e.version <= p.erasedV
                && e.deviceId != null
                && (e.type == DeviceEvent.Type.REGISTER
                        || e.type == DeviceEvent.Type.UPDATE
                        || e.type == DeviceEvent.Type.LIVE_ACTIVITY_TOKEN)) {
            // A claim older than the erase, come late: its claim is released too.
            out.releasedClaim(DeviceEvent.claimsReleased(e.userId, e.deviceId, e.token, p.erasedV));
        }
        DeviceStateMerge.apply(p, u.devicesAt(now, ttlMillis), e);
    }

    private void releaseClaims(DeviceEvent erase, Collection<DeviceRecord> devices) {
        for (DeviceRecord d : devices) {
            String token = d.token != null && d.tokenV <= erase.version ? d.token : null;
            out.releasedClaim(DeviceEvent.claimsReleased(erase.userId, d.deviceId, token, erase.version));
            for (DeviceRecord.LiveActivityToken t : liveActivityTokens(d)) {
                if (t.token != null && t.v <= erase.version) {
                    out.releasedClaim(DeviceEvent.claimsReleased(erase.userId, d.deviceId, t.token, erase.version));
                }
            }
        }
    }

    private static List<DeviceRecord.LiveActivityToken> liveActivityTokens(DeviceRecord d) {
        List<DeviceRecord.LiveActivityToken> all = new ArrayList<>(d.pushToStart.values());
        all.addAll(d.activityTokens.values());
        return all;
    }
}
