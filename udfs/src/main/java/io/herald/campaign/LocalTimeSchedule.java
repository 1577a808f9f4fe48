package io.herald.campaign;

import io.herald.model.Schedule;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * A campaign sent at a wall-clock time in each device's own zone. The moments it falls on across
 * every zone are few (about forty distinct instants for the world's zones), so the fan-out walks
 * once per moment with only the devices whose zone falls on it, rather than holding a timer per
 * device. A time that does not exist in a zone (a spring-forward gap) is taken as the moment just
 * after the gap; a time that happens twice (fall back) as the first of the two.
 */
public final class LocalTimeSchedule {
    /** The slot of devices that do not get the campaign (their time had passed, and it says skip). */
    public static final long SKIP = Long.MIN_VALUE;

    private final LocalDateTime local;
    private final ZoneId defaultZone;
    private final boolean sendPassedNow;
    private final long createdAt;
    private final Map<String, Long> slotByZone = new HashMap<>();

    private LocalTimeSchedule(LocalDateTime local, ZoneId defaultZone, boolean sendPassedNow, long createdAt) {
        this.local = local;
        this.defaultZone = defaultZone;
        this.sendPassedNow = sendPassedNow;
        this.createdAt = createdAt;
    }

    /** The schedule of a campaign created at {@code createdAt} (epoch ms), or null if it has no local time. */
    public static LocalTimeSchedule of(Schedule s, long createdAt) {
        if (s == null || s.localTime == null) {
            return null;
        }
        return new LocalTimeSchedule(
                LocalDateTime.of(LocalDate.parse(s.date), LocalTime.parse(s.localTime)),
                ZoneId.of(s.defaultTimezone),
                "send_now".equals(s.passedZones),
                createdAt);
    }

    /** What is wrong with {@code s}'s local-time fields, or null. */
    public static String problem(Schedule s) {
        if (s.at != null) {
            return "schedule has both at and localTime: one or the other";
        }
        try {
            LocalTime.parse(s.localTime);
        } catch (DateTimeException e) {
            return "schedule.localTime is not a time of day such as \"09:00\"";
        }
        if (s.date == null) {
            return "schedule.date is missing: the day of schedule.localTime, such as \"2026-11-26\"";
        }
        try {
            LocalDate.parse(s.date);
        } catch (DateTimeException e) {
            return "schedule.date is not a date such as \"2026-11-26\"";
        }
        if (s.defaultTimezone == null) {
            return "schedule.defaultTimezone is missing: the zone of devices that have none, such as \"Europe/London\"";
        }
        try {
            ZoneId.of(s.defaultTimezone);
        } catch (DateTimeException e) {
            return "schedule.defaultTimezone is not an IANA zone such as \"Europe/London\"";
        }
        if (s.passedZones != null && !s.passedZones.equals("send_now") && !s.passedZones.equals("skip")) {
            return "schedule.passedZones must be send_now or skip";
        }
        return null;
    }

    /**
     * When a device in {@code zone} (null or unknown: the default zone) gets the campaign, in epoch ms:
     * the campaign's creation time if its time had passed there and the campaign says send now, or
     * {@link #SKIP}.
     */
    public long slotOf(String zone) {
        Long slot = slotByZone.get(zone);
        if (slot == null) {
            slot = slotIn(zoneOrDefault(zone));
            if (slotByZone.size() < 4_096) {
                slotByZone.put(zone, slot);
            }
        }
        return slot;
    }

    private ZoneId zoneOrDefault(String zone) {
        return QuietHours.zoneOf(zone, defaultZone);
    }

    private long slotIn(ZoneId zone) {
        long at = local.atZone(zone).toInstant().toEpochMilli();
        if (at >= createdAt) {
            return at;
        }
        return sendPassedNow ? createdAt : SKIP;
    }

    /** Every moment some zone falls on, in order (a device's zone is one of the JVM's, or the default). */
    public TreeSet<Long> slots() {
        TreeSet<Long> slots = new TreeSet<>();
        slots.add(slotIn(defaultZone));
        for (String id : ZoneId.getAvailableZoneIds()) {
            slots.add(slotIn(ZoneId.of(id)));
        }
        slots.remove(SKIP);
        return slots;
    }
}
