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
    public Long expiresAt;
    public long firedAt;
    /** Why this notification must not be sent (set by the fan-out, e.g. an oversize payload), or null. */
    public String refusal;

    public SendRequest() {}

    /** The deterministic notification id for a campaign and a device. */
    public static String notificationId(String campaignId, String deviceId) {
        return campaignId + "/" + deviceId;
    }
}
