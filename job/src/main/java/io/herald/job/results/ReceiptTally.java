package io.herald.job.results;

import io.herald.model.DeliveryTally;
import io.herald.model.Outcome;
import io.herald.model.Receipt;
import java.util.HashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * Adds up one campaign's receipts as they are written, for {@link LocalSums}: by outcome, those not
 * delivered by platform and reason, and their fire-to-ack latencies.
 */
public final class ReceiptTally implements AggregateFunction<Receipt, ReceiptTally.Sum, DeliveryTally> {
    private static final long serialVersionUID = 1L;

    /** One campaign's receipts while {@link LocalSums} holds them. */
    public static final class Sum {
        String campaignId;
        final Map<String, Long> byOutcome = new HashMap<>();
        final Map<String, Long> failures = new HashMap<>();
        final Histogram latencies = Latencies.empty();
    }

    /** What {@link LocalSums} keeps a sum per: the campaign (every receipt names one). */
    public static KeySelector<Receipt, String> campaign() {
        return r -> r.campaignId;
    }

    @Override
    public Sum createAccumulator() {
        return new Sum();
    }

    @Override
    public Sum add(Receipt r, Sum sum) {
        sum.campaignId = r.campaignId;
        sum.byOutcome.merge(r.outcome.wire(), 1L, Long::sum);
        if (r.outcome != Outcome.DELIVERED) {
            DeliveryTally.countReason(sum.failures, reason(r), 1);
        }
        sum.latencies.recordValue(Math.max(0, r.latencyMs()));
        return sum;
    }

    /** A receipt's platform and reason, as {@code campaign status} lists them. */
    static String reason(Receipt r) {
        String platform = r.platform == null ? "?" : r.platform.wire();
        return r.reason == null ? platform : platform + " " + r.reason;
    }

    @Override
    public DeliveryTally getResult(Sum sum) {
        DeliveryTally t = new DeliveryTally();
        t.campaignId = sum.campaignId;
        t.byOutcome = new HashMap<>(sum.byOutcome);
        t.failures = new HashMap<>(sum.failures);
        t.latencies = Latencies.encode(sum.latencies);
        return t;
    }

    @Override
    public Sum merge(Sum a, Sum b) {
        b.byOutcome.forEach((k, v) -> a.byOutcome.merge(k, v, Long::sum));
        b.failures.forEach((k, v) -> DeliveryTally.countReason(a.failures, k, v));
        a.latencies.add(b.latencies);
        return a;
    }
}
