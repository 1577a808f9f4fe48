package io.herald.job.fanout.walk;

import io.herald.campaign.QuietHours;
import io.herald.model.DeviceRecord;
import io.herald.model.Outcome;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;

/**
 * Quiet hours on a fire's walk. A device whose zone is in quiet hours at the walk's moment is held
 * for the walk that sends it when the window ends (if the rules hold), or handed out with a
 * {@code quiet_hours} refusal (if they drop). The walk of held devices takes exactly those whose
 * window ends at its moment. Judged at the moment the walk stands for, so the walk that holds a
 * device and the one that sends it agree, however long the walks take.
 */
final class QuietHoursGate implements DeviceGate {
    /** {@link #quietUntil} of a zone not in quiet hours at the walk's moment. */
    private static final long NOT_QUIET = Long.MIN_VALUE;
    /** Zones remembered; a walk meets few. */
    private static final int MAX_ZONES = 4_096;

    private final QuietHours quiet;
    private final ZoneId fallbackZone;
    /** The moment judged: the fire's, or for a walk of held devices, the moment they were held at. */
    private final long moment;
    /** For a walk of held devices, when their window ends; else null. */
    private final Long heldUntil;

    private final Map<String, Long> quietUntil = new HashMap<>();

    QuietHoursGate(QuietHours quiet, ZoneId fallbackZone, long moment, Long heldUntil) {
        this.quiet = quiet;
        this.fallbackZone = fallbackZone;
        this.moment = moment;
        this.heldUntil = heldUntil;
    }

    @Override
    public Verdict judge(DeviceRecord device) {
        long until = quietUntil(device.timezone);
        if (heldUntil != null) {
            return until == heldUntil ? Verdict.PASS : Verdict.SKIP;
        }
        if (until == NOT_QUIET) {
            return Verdict.PASS;
        }
        return quiet.hold ? Verdict.HOLD : Verdict.REFUSE;
    }

    @Override
    public String refusal() {
        return quiet.reason();
    }

    @Override
    public Outcome refusedAs() {
        return Outcome.QUIET_HOURS;
    }

    private long quietUntil(String zone) {
        Long until = quietUntil.get(zone);
        if (until == null) {
            ZoneId z = QuietHours.zoneOf(zone, fallbackZone);
            until = quiet.quiet(z, moment) ? quiet.endAfter(z, moment) : NOT_QUIET;
            if (quietUntil.size() < MAX_ZONES) {
                quietUntil.put(zone, until);
            }
        }
        return until;
    }
}
