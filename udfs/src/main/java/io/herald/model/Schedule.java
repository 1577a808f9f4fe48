package io.herald.model;

/**
 * When a campaign starts by itself, without a {@code fire} record. A {@code fire} before then starts
 * it early; a {@code cancel} before then means it never starts.
 */
public class Schedule {
    /** Epoch milliseconds at which the job fires the campaign itself; or else {@link #localTime}. */
    public Long at;
    /**
     * A wall-clock time, {@code "09:00"}, on {@link #date}: each device gets the campaign at that
     * time in its own IANA zone (devices without one, or with one the JVM does not know, in
     * {@link #defaultTimezone}'s).
     */
    public String localTime;
    /** The date of {@link #localTime}, {@code "2026-11-26"}. */
    public String date;
    /** The zone of devices that have none, {@code "Europe/London"}. */
    public String defaultTimezone;
    /**
     * What happens to devices whose local time had already passed when the campaign was created:
     * {@code "send_now"} (they get it at once) or {@code "skip"} (they do not get it; the default).
     */
    public String passedZones;

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
