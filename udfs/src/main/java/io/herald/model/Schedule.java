package io.herald.model;

/**
 * When a campaign starts by itself, without a {@code fire} record. A {@code fire} before then starts
 * it early; a {@code cancel} before then means it never starts.
 */
public class Schedule {
    /** Epoch milliseconds at which the job fires the campaign itself. */
    public Long at;

    public Schedule() {}

    /**
     * A schedule firing at {@code at}. A factory, not a constructor: Jackson would take a one-number
     * constructor as a way to read {@code "schedule": 5}, which must be refused.
     */
    public static Schedule at(long at) {
        Schedule s = new Schedule();
        s.at = at;
        return s;
    }
}
