package io.herald.experiment;

import io.herald.model.ArmCounts;
import io.herald.model.ArmResult;
import java.util.ArrayList;
import java.util.List;

/**
 * A campaign's results from its arms' counts: rates with Wilson intervals, and each arm's lift over
 * the holdout with Newcombe's interval and the two-proportion z-test's p-value ({@link Proportions}).
 * Conversion rates are per user exposed (the holdout's users are exposed at the fire); open rates
 * per user sent it.
 */
public final class Results {
    /** The confidence of every interval here. */
    public static final double CONFIDENCE = 0.95;

    private Results() {}

    /** The results rows: each arm in the order given, the holdout last. */
    public static List<ArmResult> of(List<ArmCounts> arms) {
        ArmCounts holdout = null;
        for (ArmCounts a : arms) {
            if (a.heldOut) {
                holdout = a;
            }
        }
        List<ArmResult> rows = new ArrayList<>();
        for (ArmCounts a : arms) {
            if (!a.heldOut) {
                rows.add(row(a, holdout));
            }
        }
        if (holdout != null) {
            rows.add(row(holdout, null));
        }
        return rows;
    }

    private static ArmResult row(ArmCounts a, ArmCounts holdout) {
        ArmResult r = new ArmResult();
        r.arm = a.arm;
        r.holdout = a.heldOut ? Boolean.TRUE : null;
        r.users = a.exposed;
        r.delivered = a.delivered;
        r.opened = a.opened;
        r.converted = a.converted;
        r.conversions = a.conversions;
        r.value = a.value;
        if (a.exposed > 0 && !a.heldOut) {
            long opened = Math.min(a.opened, a.exposed);
            Proportions.Interval open = Proportions.wilson(opened, a.exposed, CONFIDENCE);
            r.openRate = (double) opened / a.exposed;
            r.openRateLow = open.low();
            r.openRateHigh = open.high();
        }
        if (a.exposed > 0) {
            long converted = Math.min(a.converted, a.exposed);
            Proportions.Interval rate = Proportions.wilson(converted, a.exposed, CONFIDENCE);
            r.conversionRate = (double) converted / a.exposed;
            r.conversionRateLow = rate.low();
            r.conversionRateHigh = rate.high();
            if (holdout != null && holdout.exposed > 0) {
                long held = Math.min(holdout.converted, holdout.exposed);
                Proportions.Interval lift =
                        Proportions.difference(converted, a.exposed, held, holdout.exposed, CONFIDENCE);
                r.lift = r.conversionRate - (double) held / holdout.exposed;
                r.liftLow = lift.low();
                r.liftHigh = lift.high();
                r.liftPValue = Proportions.pValue(converted, a.exposed, held, holdout.exposed);
            }
        }
        return r;
    }
}
