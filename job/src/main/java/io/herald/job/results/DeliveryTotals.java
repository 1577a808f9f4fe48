package io.herald.job.results;

import io.herald.model.CampaignStatus;
import io.herald.model.DeliveryTally;
import io.herald.model.StatusKind;
import java.time.Duration;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * One campaign's receipts, keyed by campaign: the deliveries' tallies summed in state, and a {@code
 * receipts} record at most every {@link #EVERY_MILLIS} while they change, so that {@code campaign
 * status} and {@code watch} read a record every few seconds of the campaign instead of every receipt.
 * A campaign's totals are kept {@link CampaignResults#KEPT_DAYS} days after their last change.
 */
public final class DeliveryTotals extends KeyedProcessFunction<String, DeliveryTally, CampaignStatus> {
    private static final long serialVersionUID = 1L;

    /** The least time between two receipts records of a campaign. */
    static final long EVERY_MILLIS = 2_000;

    private transient ValueState<DeliveryTally> totals;
    /** When the next record is due, or null while none is. */
    private transient ValueState<Long> due;

    @Override
    public void open(OpenContext context) {
        StateTtlConfig ttl = StateTtlConfig.newBuilder(Duration.ofDays(CampaignResults.KEPT_DAYS))
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .build();
        ValueStateDescriptor<DeliveryTally> totalsDescriptor =
                new ValueStateDescriptor<>("receipt-totals", TypeInformation.of(DeliveryTally.class));
        totalsDescriptor.enableTimeToLive(ttl);
        totals = getRuntimeContext().getState(totalsDescriptor);
        ValueStateDescriptor<Long> dueDescriptor = new ValueStateDescriptor<>("receipts-due", Types.LONG);
        dueDescriptor.enableTimeToLive(ttl);
        due = getRuntimeContext().getState(dueDescriptor);
    }

    @Override
    public void processElement(DeliveryTally delta, Context ctx, Collector<CampaignStatus> out) throws Exception {
        DeliveryTally sum = totals.value();
        if (sum == null) {
            sum = new DeliveryTally();
            sum.campaignId = delta.campaignId;
        }
        DeliveryTally s = sum;
        delta.byOutcome.forEach((k, v) -> s.byOutcome.merge(k, v, Long::sum));
        delta.failures.forEach((k, v) -> DeliveryTally.countReason(s.failures, k, v));
        if (delta.latencies != null) {
            Histogram h = Latencies.decode(s.latencies);
            h.add(Latencies.decode(delta.latencies));
            s.latencies = Latencies.encode(h);
        }
        totals.update(s);
        if (due.value() == null) {
            long at = ctx.timerService().currentProcessingTime() + EVERY_MILLIS;
            due.update(at);
            ctx.timerService().registerProcessingTimeTimer(at);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<CampaignStatus> out) throws Exception {
        due.clear();
        DeliveryTally sum = totals.value();
        if (sum == null) {
            return;
        }
        CampaignStatus s = CampaignStatus.of(ctx.getCurrentKey(), StatusKind.RECEIPTS, null, timestamp);
        s.byOutcome = new TreeMap<>(sum.byOutcome);
        s.receipts = s.byOutcome.values().stream().mapToLong(Long::longValue).sum();
        s.failures = new TreeMap<>(sum.failures);
        s.latencyMs = Latencies.quantiles(Latencies.decode(sum.latencies));
        out.collect(s);
    }
}
