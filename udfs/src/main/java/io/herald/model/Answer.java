package io.herald.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A provider's final answer to one notification, as the delivery records it the moment it arrives
 * (the {@code answers} topic): enough to know, after a crash or a stop, that the notification must
 * not be sent again, and to write its receipt without sending it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Answer {
    public String notificationId;
    public String campaignId;
    public String userId;
    public Outcome outcome;
    public int providerStatus;
    public String reason;
    public int attempts;
    public long ackAt;
    public Long tokenInvalidAt;

    public Answer() {}

    /** The answer a final receipt records. */
    public static Answer of(Receipt r) {
        Answer a = new Answer();
        a.notificationId = r.notificationId;
        a.campaignId = r.campaignId;
        a.userId = r.userId;
        a.outcome = r.outcome;
        a.providerStatus = r.providerStatus;
        a.reason = r.reason;
        a.attempts = r.attempts;
        a.ackAt = r.ackAt;
        a.tokenInvalidAt = r.tokenInvalidAt;
        return a;
    }

    /** The receipt of {@code request}, which this answer was given to. */
    public Receipt receipt(SendRequest request) {
        Receipt r = Receipt.of(request, outcome, providerStatus, reason, attempts, ackAt);
        r.tokenInvalidAt = tokenInvalidAt;
        return r;
    }
}
