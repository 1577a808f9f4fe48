package io.herald.model;

/** The outcome of one notification, as written to the {@code receipts} topic. */
public class Receipt {
    public String notificationId;
    public String campaignId;
    /** The campaign's arm, or null for a campaign without arms. */
    public String arm;
    /** Of a measured campaign (not written to the receipts topic): counted in its results. */
    public boolean measured;

    public String userId;
    public String deviceId;
    public String appId;
    public Platform platform;
    public Outcome outcome;
    /** The provider's HTTP status, or 0 when no answer came. */
    public int providerStatus;
    /** The provider's reason (APNs reason, FCM errorCode) or Herald's own. */
    public String reason;

    public int attempts;
    public long firedAt;
    public long ackAt;
    /** For a dead token: when the provider says it died (APNs 410 timestamp), if it says so. */
    public Long tokenInvalidAt;
    /**
     * A dead token's receipt carries the token, so the dead-token feedback names the token and
     * version that were rejected; other receipts do not need it on their way to the receipts topic.
     */
    public String token;

    public long tokenVersion;

    /** How long it waited for its account's rate slots (its send budget), all attempts together; 0 for not at all. */
    public long waitedForSlotMs;
    /** How long a pause of its campaign or app held it; 0 for not at all. */
    public long heldMs;

    public Receipt() {}

    /** The receipt of {@code request}. */
    public static Receipt of(
            SendRequest request, Outcome outcome, int providerStatus, String reason, int attempts, long ackAt) {
        Receipt r = new Receipt();
        r.outcome = outcome;
        r.providerStatus = providerStatus;
        r.reason = reason;
        r.notificationId = request.notificationId;
        r.campaignId = request.campaignId;
        r.arm = request.arm;
        r.measured = request.measured;
        r.userId = request.userId;
        r.deviceId = request.deviceId;
        r.appId = request.appId;
        r.platform = request.platform;
        r.attempts = attempts;
        r.firedAt = request.firedAt;
        r.ackAt = ackAt;
        r.token = outcome == Outcome.TOKEN_DEAD ? request.token : null;
        r.tokenVersion = request.tokenVersion;
        r.heldMs = request.heldMs;
        return r;
    }

    /**
     * A short reason for a failure that got no provider answer: the root cause's type and message,
     * cut to 200 characters. (Neither carries credentials: requests' headers are not in them.)
     */
    public static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        return "no answer: " + (text.length() > 200 ? text.substring(0, 200) : text);
    }

    public long latencyMs() {
        return ackAt - firedAt;
    }
}
