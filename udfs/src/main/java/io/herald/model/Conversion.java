package io.herald.model;

import java.time.Duration;

/**
 * A campaign's conversion: the app event that counts (its {@link #event} name) and how long after
 * a user's exposure it is attributed to the campaign ({@link #within}, ISO-8601).
 */
public class Conversion {
    public String event;
    /** An ISO-8601 duration ({@code "PT24H"}), from 1 minute to 30 days. */
    public String within;

    public Conversion() {}

    /** {@link #within} in milliseconds (the validator has refused one that does not parse). */
    public long withinMillis() {
        return Duration.parse(within).toMillis();
    }
}
