package io.herald.model;

/** One notification to one device, rendered and ready for its provider. */
public class SendRequest {
    /** Deterministic: campaign id and device id, so a replay names the same notification. */
    public String notificationId;
    public String campaignId;
    public String userId;
    public String deviceId;
    public String appId;
    public Platform platform;
    public String token;
    public long tokenVersion;
    /** The provider request body: the APNs payload, or the FCM v1 {@code message} envelope. */
    public String payload;
    public String collapseId;
    /** APNs only: a background (silent) push, sent with push type background and priority 5. */
    public boolean background;
    /** APNs only: 10 or 5. */
    public int priority = 10;
    public Long expiresAt;
    public long firedAt;
    /** Why this notification must not be sent (set by the fan-out, e.g. an oversize payload), or null. */
    public String refusal;
    /** The campaign's own rate limit, notifications per second over the whole job, or null. */
    public Integer maxPerSecond;

    public SendRequest() {}

    /** The deterministic notification id for a campaign (and a transactional send, if any) and a device. */
    public static String notificationId(String campaignId, String sendId, String deviceId) {
        return sendId == null ? campaignId + "/" + deviceId : campaignId + "/" + sendId + "/" + deviceId;
    }
}
