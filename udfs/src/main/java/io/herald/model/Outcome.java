package io.herald.model;

/** How a notification ended. */
public enum Outcome {
    /** The provider accepted it. */
    DELIVERED,
    /** The provider said the token is dead; the device is disabled in state. */
    TOKEN_DEAD,
    /** The provider refused it for good for another reason (bad payload, wrong topic, ...). */
    REJECTED,
    /** It could not be delivered (timeout, provider error) and Herald gave up. */
    FAILED,
    /** It was not sent because the campaign had expired. */
    EXPIRED,
    /** It was not sent because the campaign was cancelled first. */
    CANCELLED,
    /** It was not sent because the user had reached the app's frequency cap. */
    CAPPED,
    /** It was not sent because it fell in the device's quiet hours and the campaign drops those. */
    QUIET_HOURS;

    public String wire() {
        return name().toLowerCase();
    }
}
