package io.herald.model;

/** How a notification ended. */
public enum Outcome {
    /** The provider accepted it. */
    DELIVERED,
    /** The provider said the token is dead; the device is disabled in state. */
    TOKEN_DEAD,
    /** The provider refused it for good for another reason (bad payload, wrong topic, ...). */
    REJECTED,
    /**
     * It never reached the provider, or the provider answered that it failed for now (429, 5xx), and
     * Herald gave up; a {@code retry} of failed notifications sends it again.
     */
    FAILED,
    /** It was not sent because the campaign had expired. */
    EXPIRED,
    /** It was not sent because the campaign was cancelled first. */
    CANCELLED,
    /** It was not sent because the user had reached the app's frequency cap. */
    CAPPED,
    /** It was not sent because it fell in the device's quiet hours and the campaign drops those. */
    QUIET_HOURS,
    /**
     * Its request was written to the provider but no answer came (the connection was lost after the
     * write, or the time limit passed while the written request waited): most such notifications
     * arrived, so it is not sent again by itself, nor by a {@code retry} that does not name it.
     * (Last, so that the ordinals of the others are what they were.)
     */
    UNCONFIRMED;

    public String wire() {
        return name().toLowerCase();
    }
}
