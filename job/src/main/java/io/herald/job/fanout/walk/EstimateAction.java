package io.herald.job.fanout.walk;

import io.herald.campaign.LocalTimeSchedule;
import io.herald.campaign.PreparedCampaign;
import io.herald.campaign.QuietHours;
import io.herald.job.functions.WalkPosition;
import io.herald.model.CampaignStatus;
import io.herald.model.DeviceRecord;
import io.herald.model.UserState;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An estimate counts what a fire at its moment would reach: targeted and suppressed devices, per
 * platform and locale, those the frequency cap or a refusal would stop, those quiet hours would hold
 * and, for a local-time schedule, when each would get it.
 */
final class EstimateAction implements WalkAction {
    /** Zones remembered; a walk meets few. */
    private static final int MAX_ZONES = 4_096;

    private final WalkPlan plan;
    private final WalkContext ctx;
    private final Map<String, ZoneCount> zoneCounts = new HashMap<>();

    /**
     * What an estimate counts of the devices of one zone: their schedule moment's name (or null) and
     * whether they are in quiet hours then.
     */
    private record ZoneCount(String slot, boolean quiet) {}

    EstimateAction(WalkPlan plan, WalkContext ctx) {
        this.plan = plan;
        this.ctx = ctx;
    }

    @Override
    public void user(
            String userId,
            UserState state,
            Collection<DeviceRecord> devices,
            Map<String, DeviceGate> refused,
            WalkPosition p) {
        PreparedCampaign campaign = plan.campaign();
        boolean capped = plan.limits().any() && plan.limits().refusing(state.profile, ctx.now()) != null;
        boolean zones = plan.quiet() != null || plan.local() != null;
        PreparedCampaign.FanOutCount c = campaign.select(userId, state.profile, devices, (d, arm) -> {
            countDevice(p, d);
            if (capped) {
                p.capped++;
            } else if (arm.refusal(state.profile, d) != null) {
                p.refused++;
            }
            if (zones) {
                ZoneCount z = zoneCount(d.timezone);
                if (z.quiet()) {
                    p.quietHours++;
                }
                if (z.slot() != null) {
                    p.bySchedule.merge(z.slot(), 1L, Long::sum);
                }
            }
        });
        p.count(c);
    }

    @Override
    public void finish(CampaignStatus status, Iterable<WalkPosition> positions) {
        sumCounts(status, positions, plan.local() != null);
    }

    static void countDevice(WalkPosition p, DeviceRecord d) {
        p.byPlatform.merge(d.platform.wire(), 1L, Long::sum);
        p.byLocale.merge(d.locale == null ? "und" : d.locale, 1L, Long::sum);
    }

    /** An estimate's counts per platform, locale and (with a local-time schedule) moment, summed. */
    static void sumCounts(CampaignStatus s, Iterable<WalkPosition> positions, boolean bySchedule) {
        s.refused = 0L;
        s.byPlatform = new TreeMap<>();
        s.byLocale = new TreeMap<>();
        if (bySchedule) {
            s.bySchedule = new TreeMap<>();
        }
        for (WalkPosition p : positions) {
            s.refused += p.refused;
            p.byPlatform.forEach((k, v) -> s.byPlatform.merge(k, v, Long::sum));
            p.byLocale.forEach((k, v) -> s.byLocale.merge(k, v, Long::sum));
            if (bySchedule) {
                p.bySchedule.forEach((k, v) -> s.bySchedule.merge(k, v, Long::sum));
            }
        }
    }

    /**
     * What an estimate counts of a device in {@code zone}: the moment its local-time schedule sends
     * it (as {@code bySchedule} names it; null without one) and whether quiet hours hold it then.
     */
    private ZoneCount zoneCount(String zone) {
        ZoneCount z = zoneCounts.get(zone);
        if (z == null) {
            LocalTimeSchedule local = plan.local();
            long moment = local != null ? local.slotOf(zone) : plan.at();
            String slot = local == null
                    ? null
                    : moment == LocalTimeSchedule.SKIP
                            ? "skipped"
                            : Instant.ofEpochMilli(moment).toString();
            z = new ZoneCount(
                    slot,
                    plan.quiet() != null
                            && moment != LocalTimeSchedule.SKIP
                            && plan.quiet().quiet(QuietHours.zoneOf(zone, plan.fallbackZone()), moment));
            if (zoneCounts.size() < MAX_ZONES) {
                zoneCounts.put(zone, z);
            }
        }
        return z;
    }
}
