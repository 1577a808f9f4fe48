package io.herald.campaign;

import io.herald.model.QuietHoursSpec;
import java.io.Serializable;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.TreeSet;

/**
 * A quiet window in each device's own zone. Whether a device is quiet is judged at the moment its
 * walk stands for (the fire, or a local-time moment), so the walk that holds a device and the walk
 * that later sends it agree. Held devices go when the window ends in their zone: a few moments
 * across the world's zones, each walked once, as local-time schedules are.
 */
public final class QuietHours implements Serializable {
    private static final long serialVersionUID = 1L;

    private final LocalTime from;
    private final LocalTime to;
    /** True: held until the window ends; false: dropped with a receipt. */
    public final boolean hold;

    private QuietHours(LocalTime from, LocalTime to, boolean hold) {
        this.from = from;
        this.to = to;
        this.hold = hold;
    }

    /** The window {@code spec} states, or null for none (absent, or switched off). */
    public static QuietHours of(QuietHoursSpec spec) {
        if (spec == null || Boolean.TRUE.equals(spec.off)) {
            return null;
        }
        return new QuietHours(LocalTime.parse(spec.from), LocalTime.parse(spec.to), !"drop".equals(spec.action));
    }

    /** The window for a campaign: its own if it states one (or switches them off), else its app's. */
    public static QuietHours effective(QuietHoursSpec campaign, QuietHours app) {
        return campaign != null ? of(campaign) : app;
    }

    /** What is wrong with {@code spec}, named under {@code name} ("quietHours"), or null. */
    public static String problem(QuietHoursSpec spec, String name) {
        if (Boolean.TRUE.equals(spec.off)) {
            return null;
        }
        for (String[] f : new String[][] {{"from", spec.from}, {"to", spec.to}}) {
            if (f[1] == null) {
                return name + "." + f[0] + " is missing: a time of day such as \"22:00\"";
            }
            try {
                LocalTime.parse(f[1]);
            } catch (DateTimeException e) {
                return name + "." + f[0] + " is not a time of day such as \"22:00\"";
            }
        }
        if (spec.from.equals(spec.to)) {
            return name + ".from and " + name + ".to are the same time";
        }
        if (spec.action != null && !spec.action.equals("hold") && !spec.action.equals("drop")) {
            return name + ".action must be hold or drop";
        }
        return null;
    }

    /** Whether {@code instant} falls in the window in {@code zone}. */
    public boolean quiet(ZoneId zone, long instant) {
        LocalTime t = Instant.ofEpochMilli(instant).atZone(zone).toLocalTime();
        return from.isBefore(to) ? !t.isBefore(from) && t.isBefore(to) : !t.isBefore(from) || t.isBefore(to);
    }

    /** When the window that {@code instant} falls in ends in {@code zone}: the next {@code to} after it. */
    public long endAfter(ZoneId zone, long instant) {
        ZonedDateTime at = Instant.ofEpochMilli(instant).atZone(zone);
        ZonedDateTime end = at.toLocalDate().atTime(to).atZone(zone);
        if (!end.isAfter(at)) {
            end = at.toLocalDate().plusDays(1).atTime(to).atZone(zone);
        }
        return end.toInstant().toEpochMilli();
    }

    /** The moments devices held at {@code instant} go, across every zone the JVM knows and {@code extra}. */
    public TreeSet<Long> holdEnds(long instant, ZoneId extra) {
        TreeSet<Long> ends = new TreeSet<>();
        for (String id : ZoneId.getAvailableZoneIds()) {
            ZoneId z = ZoneId.of(id);
            if (quiet(z, instant)) {
                ends.add(endAfter(z, instant));
            }
        }
        if (quiet(extra, instant)) {
            ends.add(endAfter(extra, instant));
        }
        return ends;
    }

    /** The zone a device is judged in: its own, or {@code fallback} when it has none the JVM knows. */
    public static ZoneId zoneOf(String zone, ZoneId fallback) {
        if (zone == null) {
            return fallback;
        }
        try {
            return ZoneId.of(zone);
        } catch (DateTimeException e) {
            return fallback;
        }
    }

    /** What a dropped notification's receipt says. */
    public String reason() {
        return "quiet hours (" + from + " to " + to + " in the device's zone)";
    }
}
