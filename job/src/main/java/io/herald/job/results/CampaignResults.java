package io.herald.job.results;

import io.herald.experiment.Results;
import io.herald.experiment.WinnerDecision;
import io.herald.model.ArmCounts;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.StatusKind;
import io.herald.model.WinnerTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * One campaign's results, keyed by campaign: the arms' counts summed in state, and a {@code results}
 * record at most every {@link #EVERY_MILLIS} while they change, with rates, intervals and lift
 * ({@link Results}). For a tested campaign it also takes the campaign's records: at its fire the
 * decision's time is set, and then the decision is made from the counts ({@link WinnerDecision}),
 * written as {@code decided}, and the winner, if any, written to the campaigns topic ({@link #WINNERS})
 * for the fan-out to send to the rest. A campaign's state is kept {@link #KEPT_DAYS} days after its
 * last change.
 */
public final class CampaignResults extends KeyedCoProcessFunction<String, ArmCounts, CampaignEvent, CampaignStatus> {
    private static final long serialVersionUID = 1L;

    /** The winners of tests, as records for the campaigns topic. */
    public static final OutputTag<CampaignEvent> WINNERS =
            new OutputTag<>("winners", TypeInformation.of(CampaignEvent.class));

    /** The least time between two results records of a campaign. */
    static final long EVERY_MILLIS = 2_000;
    /** How long a campaign's counts are kept after their last change. */
    static final int KEPT_DAYS = 30;

    private static final Comparator<ArmCounts> ROWS = Comparator.comparing((ArmCounts a) -> a.heldOut)
            .thenComparing(a -> a.arm, Comparator.nullsFirst(Comparator.naturalOrder()));

    /** What a tested campaign's decision needs: its test, its arms in order, its metric, and when. */
    public static class Tested {
        public WinnerTest test;
        public List<String> arms = new ArrayList<>();
        /** Conversions decide; else opens. */
        public boolean conversion;
        /** When the decision is due (processing time), once fired; null before. */
        public Long decideAt;
        /** Decided (or cancelled): nothing more to decide. */
        public boolean done;

        public Tested() {}
    }

    private transient ListState<ArmCounts> arms;
    /** When the next results record is due, or null while none is. */
    private transient ValueState<Long> due;

    private transient ValueState<Tested> tested;

    private transient ResultsMetrics metrics;

    @Override
    public void open(OpenContext context) {
        metrics = new ResultsMetrics(getRuntimeContext().getMetricGroup());
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
        ValueStateDescriptor<Tested> testedDescriptor =
                new ValueStateDescriptor<>("tested", TypeInformation.of(Tested.class));
        testedDescriptor.enableTimeToLive(ttl);
        tested = getRuntimeContext().getState(testedDescriptor);
    }

    @Override
    public void processElement1(ArmCounts delta, Context ctx, Collector<CampaignStatus> out) throws Exception {
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

    /** A campaign's own records: a tested campaign's definition, its fire (the decision's time) and its cancel. */
    @Override
    public void processElement2(CampaignEvent event, Context ctx, Collector<CampaignStatus> out) throws Exception {
        Tested t = tested.value();
        switch (event.type) {
            case CREATE -> {
                if (t != null && t.decideAt != null) {
                    return; // fired: the fan-out refuses a new definition too
                }
                if (event.campaign == null || event.campaign.test == null || event.campaign.arms == null) {
                    tested.clear();
                    return;
                }
                Tested next = new Tested();
                next.test = event.campaign.test;
                event.campaign.arms.forEach(a -> next.arms.add(a.name));
                next.conversion = event.campaign.conversion != null;
                tested.update(next);
            }
            case FIRE -> {
                if (t != null && t.decideAt == null && !t.done) {
                    t.decideAt = ctx.timerService().currentProcessingTime() + t.test.decideAfterMillis();
                    tested.update(t);
                    ctx.timerService().registerProcessingTimeTimer(t.decideAt);
                }
            }
            case CANCEL -> {
                if (t != null) {
                    t.done = true;
                    tested.update(t);
                }
            }
            default -> {}
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<CampaignStatus> out) throws Exception {
        List<ArmCounts> all = new ArrayList<>();
        arms.get().forEach(all::add);
        all.sort(ROWS);
        Long resultsDue = due.value();
        if (resultsDue != null && timestamp >= resultsDue) {
            due.clear();
            if (all.stream().anyMatch(a -> a.exposed > 0)) { // else deliveries alone: not (yet) measured
                CampaignStatus s = CampaignStatus.of(ctx.getCurrentKey(), StatusKind.RESULTS, null, timestamp);
                s.results = Results.of(all);
                s.confidence = Results.CONFIDENCE;
                metrics.update(ctx.getCurrentKey(), s.results);
                out.collect(s);
            }
        }
        Tested t = tested.value();
        if (t != null && !t.done && t.decideAt != null && timestamp >= t.decideAt) {
            t.done = true;
            tested.update(t);
            decide(ctx, t, all, timestamp, out);
        }
    }

    /** The test's decision from the arms' counts now: written as {@code decided}, the winner sent on. */
    private static void decide(
            OnTimerContext ctx, Tested t, List<ArmCounts> all, long now, Collector<CampaignStatus> out) {
        List<ArmCounts> byArm = new ArrayList<>();
        for (String name : t.arms) {
            byArm.add(all.stream()
                    .filter(a -> !a.heldOut && name.equals(a.arm))
                    .findFirst()
                    .orElse(ArmCounts.of(ctx.getCurrentKey(), name, false)));
        }
        WinnerDecision.Decision d = WinnerDecision.decide(
                byArm,
                t.conversion ? WinnerDecision.Metric.CONVERSION : WinnerDecision.Metric.OPEN,
                t.test.confidenceOrDefault(),
                t.test.minUsersOrDefault(),
                t.test.fallback);
        CampaignStatus s = CampaignStatus.of(ctx.getCurrentKey(), StatusKind.DECIDED, null, now);
        s.winner = d.winner();
        s.decided = d.decided();
        s.reason = d.reason();
        s.confidence = t.test.confidenceOrDefault();
        s.pValues = new TreeMap<>();
        for (int i = 0; i < d.pValues().size(); i++) {
            if (d.pValues().get(i) != null) {
                s.pValues.put(t.arms.get(i), d.pValues().get(i));
            }
        }
        s.results = Results.of(all);
        out.collect(s);
        if (d.winner() != null) {
            CampaignEvent winner = new CampaignEvent();
            winner.type = CampaignEvent.Type.WINNER;
            winner.campaignId = ctx.getCurrentKey();
            winner.arm = d.winner();
            winner.timestamp = now;
            ctx.output(WINNERS, winner);
        }
    }
}
