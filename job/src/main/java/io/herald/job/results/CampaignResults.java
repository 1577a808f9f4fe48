package io.herald.job.results;

import io.herald.experiment.Results;
import io.herald.model.ArmCounts;
import io.herald.model.CampaignStatus;
import io.herald.model.StatusKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * One campaign's results, keyed by campaign: the arms' counts summed in state, and a {@code results}
 * record at most every {@link #EVERY_MILLIS} while they change, with rates, intervals and lift
 * ({@link Results}). A campaign's results are kept {@link #KEPT_DAYS} days after their last change.
 */
public final class CampaignResults extends KeyedProcessFunction<String, ArmCounts, CampaignStatus> {
    private static final long serialVersionUID = 1L;

    /** The least time between two results records of a campaign. */
    static final long EVERY_MILLIS = 2_000;
    /** How long a campaign's counts are kept after their last change. */
    static final int KEPT_DAYS = 30;

    private static final Comparator<ArmCounts> ROWS = Comparator.comparing((ArmCounts a) -> a.heldOut)
            .thenComparing(a -> a.arm, Comparator.nullsFirst(Comparator.naturalOrder()));

    private transient ListState<ArmCounts> arms;
    /** When the next results record is due, or null while none is. */
    private transient ValueState<Long> due;

    @Override
    public void open(OpenContext context) {
        StateTtlConfig ttl = StateTtlConfig.newBuilder(Duration.ofDays(KEPT_DAYS))
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .build();
        ListStateDescriptor<ArmCounts> armsDescriptor =
                new ListStateDescriptor<>("arms", TypeInformation.of(ArmCounts.class));
        armsDescriptor.enableTimeToLive(ttl);
        arms = getRuntimeContext().getListState(armsDescriptor);
        ValueStateDescriptor<Long> dueDescriptor = new ValueStateDescriptor<>("results-due", Types.LONG);
        dueDescriptor.enableTimeToLive(ttl);
        due = getRuntimeContext().getState(dueDescriptor);
    }

    @Override
    public void processElement(ArmCounts delta, Context ctx, Collector<CampaignStatus> out) throws Exception {
        List<ArmCounts> all = new ArrayList<>();
        boolean added = false;
        for (ArmCounts a : arms.get()) {
            if (!added && a.sameArm(delta)) {
                a.add(delta);
                added = true;
            }
            all.add(a);
        }
        if (!added) {
            ArmCounts first = ArmCounts.of(delta.campaignId, delta.arm, delta.heldOut);
            first.add(delta);
            all.add(first);
        }
        arms.update(all);
        if (due.value() == null) {
            long at = ctx.timerService().currentProcessingTime() + EVERY_MILLIS;
            due.update(at);
            ctx.timerService().registerProcessingTimeTimer(at);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<CampaignStatus> out) throws Exception {
        due.clear();
        List<ArmCounts> all = new ArrayList<>();
        arms.get().forEach(all::add);
        if (all.stream().noneMatch(a -> a.exposed > 0)) {
            return; // deliveries alone: not (yet) a measured campaign's
        }
        all.sort(ROWS);
        CampaignStatus s = CampaignStatus.of(ctx.getCurrentKey(), StatusKind.RESULTS, null, timestamp);
        s.results = Results.of(all);
        s.confidence = Results.CONFIDENCE;
        out.collect(s);
    }
}
