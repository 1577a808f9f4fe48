package io.herald.model;

/**
 * The keyed input of the campaign fan-out: either a device event or an audience row for one user.
 * Exactly one of the two fields is set.
 */
public class UserUpdate {
    public DeviceEvent device;
    public AudienceRow audience;

    public UserUpdate() {}

    public static UserUpdate of(DeviceEvent device) {
        UserUpdate u = new UserUpdate();
        u.device = device;
        return u;
    }

    public static UserUpdate of(AudienceRow audience) {
        UserUpdate u = new UserUpdate();
        u.audience = audience;
        return u;
    }

    /** The user this update belongs to. */
    public String userId() {
        return device != null ? device.userId : audience.userId;
    }
}
