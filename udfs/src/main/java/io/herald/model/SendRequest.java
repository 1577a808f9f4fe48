package io.herald.model;

/**
 * One notification to one device, rendered and ready for its provider; or, with {@link #control}
 * set, a word from the fan-out to the deliveries about a whole campaign.
 */
public class SendRequest {
    /** What a control element asks the deliveries to do. */
    public enum Control {
        /** Start nothing more of {@link #campaignId}; drop what waits with a cancelled receipt. */
        CANCEL,
        /**
         * Start nothing more of {@link #campaignId}, or of the app {@link #appId} when the campaign
         * is null: what waits is held (and kept in state) until the matching {@link #RESUME}.
         */
        PAUSE,
        /** What {@link #PAUSE} held goes out again. */
        RESUME
    }

    /** Deterministic: campaign id and device id, so a replay names the same notification. */
    public String notificationId;

    public String campaignId;
    /** The campaign's arm this notification is of, or null for a campaign without arms. */
    public String arm;
    /** Of a measured campaign: its delivery counts in the campaign's results. */
    public boolean measured;

    public String userId;
    public String deviceId;
    public String appId;
    public Platform platform;
    public String token;
    public long tokenVersion;
    /** Web push only: the subscription's keys the payload is encrypted to ({@link #token} is its endpoint). */
    public PushKeys pushKeys;
    /**
     * The provider request body: the APNs payload, the FCM v1 {@code message} envelope, or the web
     * push message (JSON, encrypted by the provider when it is sent).
     */
    public String payload;

    public String collapseId;
    /** APNs only: a background (silent) push, sent with push type background and priority 5. */
    public boolean background;
    /** APNs only: 10 or 5. */
    public int priority = 10;
    /**
     * APNs only: a Live Activity push (push type {@code liveactivity}, topic
     * {@code <bundle id>.push-type.liveactivity}); {@link #token} is a push-to-start token or an
     * activity's update token.
     */
    public boolean liveActivity;
    /**
     * APNs only: a broadcast to this channel, sent once to APNs for every device subscribed to it,
     * instead of to a token ({@link #token} is null; {@link #userId} and {@link #deviceId} name the channel, as
     * {@code channel:<id>}, where receipts and the record of answers name a device). Always a Live
     * Activity push.
     */
    public String channelId;
    /**
     * Takes its provider's rate slots ahead of bulk notifications: a transactional send, or a
     * campaign marked urgent.
     */
    public boolean urgent;
    /** How long pauses have held it so far, in ms (its receipt says so). */
    public long heldMs;
    /** Since when a pause holds it (epoch ms), or 0 while it is not held. */
    public long heldSince;

    public Long expiresAt;
    public long firedAt;
    /** Why this notification must not be sent (set by the fan-out, e.g. an oversize payload), or null. */
    public String refusal;
    /** How a refusal is recorded: {@link Outcome#REJECTED} when null, {@link Outcome#CAPPED} for a frequency cap. */
    public Outcome refusedAs;
    /**
     * The provider's answer, when an earlier run of the job already had it (a walk resumed after a
     * restore meets notifications it had handed out before): the delivery writes the receipt and
     * sends nothing.
     */
    public Answer answer;
    /** Set on a control element only; such an element is no notification. */
    public Control control;

    public SendRequest() {}

    /** A control element for a whole app, for every delivery instance. */
    public static SendRequest controlApp(Control control, String appId) {
        SendRequest r = new SendRequest();
        r.control = control;
        r.appId = appId;
        return r;
    }

    /** A control element for a whole campaign, for every delivery instance. */
    public static SendRequest control(Control control, String campaignId) {
        SendRequest r = new SendRequest();
        r.control = control;
        r.campaignId = campaignId;
        return r;
    }

    /** The deterministic notification id for a campaign (and a transactional send, if any) and a device. */
    public static String notificationId(String campaignId, String sendId, String deviceId) {
        return sendId == null ? campaignId + "/" + deviceId : campaignId + "/" + sendId + "/" + deviceId;
    }
}
