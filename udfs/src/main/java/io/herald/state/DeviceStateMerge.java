package io.herald.state;

import io.herald.model.AttributeValue;
import io.herald.model.AudienceRow;
import io.herald.model.DeviceEvent;
import io.herald.model.DeviceRecord;
import io.herald.model.UserState;
import java.util.ArrayList;
import java.util.Map;

/**
 * Applies device events and audience rows to a user's state.
 *
 * <p>Changes are ordered by the version each event carries, never by arrival: a device's fields
 * take the newest registration, attributes are last-writer-wins one by one, and a token rejection
 * only kills the token it names, and only if no newer registration of that token came since.
 * Applying an event twice changes nothing.
 */
public final class DeviceStateMerge {
    private DeviceStateMerge() {}

    /** Applies {@code event} to {@code state} in place and returns it. */
    public static UserState apply(UserState state, DeviceEvent event) {
        switch (event.type) {
            case REGISTER:
                register(state, event);
                break;
            case UNINSTALL:
                uninstall(state, event);
                break;
            case TOKEN_REJECTED:
                rejectToken(state, event);
                break;
            default:
                throw new IllegalArgumentException("unknown device event type " + event.type);
        }
        return state;
    }

    /** Records that the user is in the uploaded audience of a campaign; idempotent. */
    public static UserState apply(UserState state, AudienceRow row) {
        if (!state.audienceCampaigns.contains(row.campaignId)) {
            state.audienceCampaigns.add(row.campaignId);
        }
        return state;
    }

    private static void register(UserState state, DeviceEvent e) {
        if (e.attributes != null) {
            for (Map.Entry<String, AttributeValue> a : e.attributes.entrySet()) {
                AttributeValue current = state.attributes.get(a.getKey());
                if (current == null || a.getValue().version >= current.version) {
                    state.attributes.put(a.getKey(), a.getValue());
                }
            }
        }
        DeviceRecord d = state.devices.computeIfAbsent(e.deviceId, id -> newRecord(id));
        if (e.version < d.version) {
            return;
        }
        d.version = e.version;
        d.uninstalled = false;
        if (e.appId != null) {
            d.appId = e.appId;
        }
        if (e.platform != null) {
            d.platform = e.platform;
        }
        if (e.locale != null) {
            d.locale = e.locale;
        }
        if (e.timezone != null) {
            d.timezone = e.timezone;
        }
        if (e.appVersion != null) {
            d.appVersion = e.appVersion;
        }
        if (e.optIn != null) {
            d.optIn = e.optIn;
        }
        if (e.tags != null) {
            d.tags = new ArrayList<>(e.tags);
        }
        if (e.token != null) {
            d.token = e.token;
            d.tokenVersion = e.version;
        }
        if (d.tokenDead && d.tokenVersion > d.tokenDeadVersion) {
            d.tokenDead = false;
            d.tokenDeadReason = null;
        }
    }

    private static void uninstall(UserState state, DeviceEvent e) {
        DeviceRecord d = state.devices.computeIfAbsent(e.deviceId, id -> newRecord(id));
        if (e.version >= d.version) {
            d.version = e.version;
            d.uninstalled = true;
        }
    }

    private static void rejectToken(UserState state, DeviceEvent e) {
        DeviceRecord d = state.devices.get(e.deviceId);
        if (d == null || d.token == null || !d.token.equals(e.token) || e.version < d.tokenVersion) {
            return;
        }
        if (!d.tokenDead || e.version > d.tokenDeadVersion) {
            d.tokenDead = true;
            d.tokenDeadVersion = e.version;
            d.tokenDeadReason = e.reason;
        }
    }

    private static DeviceRecord newRecord(String deviceId) {
        DeviceRecord d = new DeviceRecord();
        d.deviceId = deviceId;
        d.version = Long.MIN_VALUE;
        return d;
    }
}
