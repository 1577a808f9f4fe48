package io.herald.model;

import java.util.List;
import java.util.Map;

/**
 * One change to one device of one user, as read from the {@code devices} topic.
 *
 * <p>{@link #version} orders changes to the same device (epoch milliseconds at the producer, or
 * any counter that grows with time): merges are last-writer-wins by version, so events may arrive
 * late, out of order or twice.
 */
public class DeviceEvent {
    /** What the event does. */
    public enum Type {
        /** Registers the device or updates the fields it carries. */
        REGISTER,
        /** The app was removed from the device: a versioned tombstone. */
        UNINSTALL,
        /** A push provider rejected the token as dead (fed back by Herald itself). */
        TOKEN_REJECTED
    }

    public Type type;
    public String userId;
    public String deviceId;
    public String appId;
    public Platform platform;
    public String token;
    public String locale;
    public String timezone;
    public String appVersion;
    public Boolean optIn;
    public Map<String, AttributeValue> attributes;
    public List<String> tags;
    public String reason;
    public long version;

    public DeviceEvent() {}

    /** A provider's verdict that {@code token} of this device is dead, as of {@code version}. */
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
}
