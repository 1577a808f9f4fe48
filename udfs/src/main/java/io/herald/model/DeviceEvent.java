package io.herald.model;

import java.util.List;
import java.util.Map;

/**
 * One change to one device of one user (or, for {@link Type#ERASE_USER}, to the whole user), as read
 * from the {@code devices} topic.
 *
 * <p>{@link #version} orders changes (epoch milliseconds at the producer): every merge is
 * last-writer-wins by version, so events may arrive late, out of order or twice and give the same
 * state.
 */
public class DeviceEvent {
    /** What the event does. */
    public enum Type {
        /** Registers the device or updates the fields it carries; {@code tags}, if present, replace the set. */
        REGISTER,
        /** Updates the fields it carries, without (re)installing: a partial update or a token rotation. */
        UPDATE,
        /** Adds {@code tags} to the device's set. */
        TAGS_ADD,
        /** Removes {@code tags} from the device's set. */
        TAGS_REMOVE,
        /** Sets the user's {@code attributes}. */
        ATTRIBUTES_SET,
        /** Removes the user's attributes named in {@code unset}. */
        ATTRIBUTES_UNSET,
        /** The app was removed from the device: a versioned tombstone a newer registration lifts. */
        UNINSTALL,
        /** Privacy deletion: forget everything about the user up to this version. */
        ERASE_USER,
        /** A push provider rejected {@code token} as dead as of this version (fed back by Herald). */
        TOKEN_REJECTED,
        /**
         * Written by Herald when a user is erased: the user no longer holds {@code deviceId} (and
         * {@code token}), so the claim stages forget who held them. Changes no device state.
         */
        CLAIMS_RELEASED,
        /**
         * An iOS device's Live Activity token ({@code token}) for its app: without {@code activityId}, the
         * push-to-start token for {@code activityType}; with it, the update token of that running activity.
         */
        LIVE_ACTIVITY_TOKEN,
        /**
         * The activity {@code activityId} ended or was dismissed on the device: a tombstone version, so
         * its update token is no longer used unless a newer token for the same activity id comes.
         */
        LIVE_ACTIVITY_ENDED
    }

    public Type type;
    public String userId;
    public String deviceId;
    public String appId;
    public Platform platform;
    /** The push token; for a web device ({@link Platform#WEB}), its push subscription's endpoint URL. */
    public String token;
    /** A web device's subscription keys, given with its endpoint ({@link #token}) and only then. */
    public PushKeys pushKeys;
    /** A web device's browser as the client names it ({@code chrome}, {@code firefox}...), given with its subscription. */
    public String browser;

    /** A Live Activity's type: the app's {@code ActivityAttributes} type name, such as {@code MatchAttributes}. */
    public String activityType;
    /** A running Live Activity's id, as the app names it; absent for a push-to-start token. */
    public String activityId;

    public String locale;
    public String timezone;
    public String appVersion;
    public Boolean optIn;
    /** When the app was last seen on the device, epoch milliseconds. */
    public Long lastSeen;

    public Map<String, AttributeValue> attributes;
    public List<String> unset;
    public List<String> tags;
    public String reason;
    public long version;

    public DeviceEvent() {}

    /** A verdict that {@code token} of this device is dead, as of {@code version}. */
    public static DeviceEvent tokenRejected(
            String userId, String deviceId, String appId, String token, String reason, long version) {
        DeviceEvent e = new DeviceEvent();
        e.type = Type.TOKEN_REJECTED;
        e.userId = userId;
        e.deviceId = deviceId;
        e.appId = appId;
        e.token = token;
        e.reason = reason;
        e.version = version;
        return e;
    }

    /** A release of the claims of an erased user's device. */
    public static DeviceEvent claimsReleased(String userId, String deviceId, String token, long version) {
        DeviceEvent e = new DeviceEvent();
        e.type = Type.CLAIMS_RELEASED;
        e.userId = userId;
        e.deviceId = deviceId;
        e.token = token;
        e.version = version;
        return e;
    }

    /** True for the event types that concern one device (all but {@link Type#ERASE_USER} and the attribute ones). */
    public boolean isDeviceEvent() {
        return type != Type.ERASE_USER && type != Type.ATTRIBUTES_SET && type != Type.ATTRIBUTES_UNSET;
    }
}
