package io.herald.job.results;

import io.herald.model.ArmCounts;
import io.herald.model.Outcome;
import io.herald.model.Receipt;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/** A delivered notification of a measured campaign, as a count of its arm. */
public final class ReceiptArmCounts implements FlatMapFunction<Receipt, ArmCounts> {
    private static final long serialVersionUID = 1L;

    @Override
    public void flatMap(Receipt receipt, Collector<ArmCounts> out) {
        if (receipt.measured && receipt.outcome == Outcome.DELIVERED) {
            ArmCounts c = ArmCounts.of(receipt.campaignId, receipt.arm, false);
            c.delivered = 1;
            out.collect(c);
        }
    }
}
