package io.herald.job.results;

import io.herald.model.ArmCounts;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.java.functions.KeySelector;

/** Adds up the counts of one arm of a campaign (or its holdout), for {@link LocalSums}. */
public final class ArmCountsSum implements AggregateFunction<ArmCounts, ArmCounts, ArmCounts> {
    private static final long serialVersionUID = 1L;

    /** An arm: its campaign, its name (null for the campaign's one message) and whether it is the holdout. */
    public record Arm(String campaignId, String arm, boolean heldOut) {}

    /** What {@link LocalSums} keeps a sum per. */
    public static KeySelector<ArmCounts, Arm> arm() {
        return c -> new Arm(c.campaignId, c.arm, c.heldOut);
    }

    @Override
    public ArmCounts createAccumulator() {
        return new ArmCounts();
    }

    @Override
    public ArmCounts add(ArmCounts delta, ArmCounts sum) {
        if (sum.campaignId == null) {
            sum.campaignId = delta.campaignId;
            sum.arm = delta.arm;
            sum.heldOut = delta.heldOut;
        }
        sum.add(delta);
        return sum;
    }

    @Override
    public ArmCounts getResult(ArmCounts sum) {
        return sum;
    }

    @Override
    public ArmCounts merge(ArmCounts a, ArmCounts b) {
        return add(b, a);
    }
}
