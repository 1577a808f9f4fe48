package io.herald.model;

import java.time.Duration;

/**
 * A campaign's test of its arms before the rest of its audience: the arms go to a {@link #share} of
 * the users; {@link #decideAfter} the fire, the arm with the best conversion rate (open rate without
 * a conversion) goes to the rest if it is better than every other at {@link #confidence} and each arm
 * has {@link #minUsers} users, else the {@link #fallback}.
 */
public class WinnerTest {
    /** The share of the audience's users the arms are tested on, above 0 and at most 0.9. */
    public Double share;
    /** An ISO-8601 duration from the fire to the decision, 10 seconds to 7 days. */
    public String decideAfter;
    /** The confidence a winner must be better at, 0.8 to 0.999 (null: 0.95). */
    public Double confidence;
    /** The fewest users each arm must have at the decision (null: 100). */
    public Long minUsers;
    /** The arm the rest get when no arm wins; null: they get nothing. */
    public String fallback;

    public WinnerTest() {}

    public long decideAfterMillis() {
        return Duration.parse(decideAfter).toMillis();
    }

    public double confidenceOrDefault() {
        return confidence == null ? 0.95 : confidence;
    }

    public long minUsersOrDefault() {
        return minUsers == null ? 100 : minUsers;
    }
}
