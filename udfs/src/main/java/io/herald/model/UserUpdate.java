package io.herald.model;

/**
 * The keyed input of the campaign fan-out: a device event, an audience row, a transactional send or
 * an interaction, for one user. Exactly one field is set.
 */
public class UserUpdate {
    public DeviceEvent device;
    public AudienceRow audience;
    /** A transactional send to this user. */
    public CampaignEvent send;
    /** What the user's app reported: an open, an action, an app event. */
    public Interaction interaction;

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

    public static UserUpdate of(CampaignEvent send) {
        UserUpdate u = new UserUpdate();
        u.send = send;
        return u;
    }

    public static UserUpdate of(Interaction interaction) {
        UserUpdate u = new UserUpdate();
        u.interaction = interaction;
        return u;
    }

    /** The user this update belongs to. */
    public String userId() {
        return device != null
                ? device.userId
                : audience != null ? audience.userId : send != null ? send.userId : interaction.userId;
    }
}
