package io.herald.job.results;

import io.herald.model.ArmResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.flink.metrics.MetricGroup;

/**
 * Measured campaigns' results as gauges, for the dashboard's arms side by side: in operator group
 * {@code herald}, a group per campaign and arm (Prometheus labels {@code campaign} and {@code arm}:
 * an arm's name, {@code holdout}, or {@code (all)} for a campaign without arms), each reading the
 * arm's row of the campaign's latest {@code results} record. Rates and lifts without a value yet
 * read NaN.
 *
 * <p>Bounded: gauges for at most {@link #MAX_CAMPAIGNS} campaigns per instance (Flink keeps a group
 * until the task ends); later campaigns' results are in their records alone.
 */
public final class ResultsMetrics {
    /** Campaigns with gauges, per instance. */
    static final int MAX_CAMPAIGNS = 200;

    private final MetricGroup group;
    /** Each campaign's arms' latest rows, by arm name: what the gauges read, from the metric reporter's thread. */
    private final Map<String, Map<String, ArmResult>> latest = new ConcurrentHashMap<>();

    public ResultsMetrics(MetricGroup operator) {
        this.group = operator.addGroup("herald");
    }

    /** A campaign's new results: its arms' gauges read them from now on (registered on an arm's first). */
    public void update(String campaignId, List<ArmResult> rows) {
        Map<String, ArmResult> arms = latest.get(campaignId);
        if (arms == null) {
            if (latest.size() >= MAX_CAMPAIGNS) {
                return;
            }
            arms = new ConcurrentHashMap<>();
            latest.put(campaignId, arms);
        }
        for (ArmResult row : rows) {
            String arm = Boolean.TRUE.equals(row.holdout) ? "holdout" : row.arm == null ? "(all)" : row.arm;
            if (arms.put(arm, row) == null) {
                register(group.addGroup("campaign", campaignId).addGroup("arm", arm), arms, arm);
            }
        }
    }

    private static void register(MetricGroup g, Map<String, ArmResult> arms, String arm) {
        count(g, "users", arms, arm, r -> r.users);
        count(g, "delivered", arms, arm, r -> r.delivered);
        count(g, "opened", arms, arm, r -> r.opened);
        count(g, "converted", arms, arm, r -> r.converted);
        rate(g, "openRate", arms, arm, r -> r.openRate);
        rate(g, "conversionRate", arms, arm, r -> r.conversionRate);
        rate(g, "conversionRateLow", arms, arm, r -> r.conversionRateLow);
        rate(g, "conversionRateHigh", arms, arm, r -> r.conversionRateHigh);
        rate(g, "lift", arms, arm, r -> r.lift);
        rate(g, "liftLow", arms, arm, r -> r.liftLow);
        rate(g, "liftHigh", arms, arm, r -> r.liftHigh);
    }

    private static void count(
            MetricGroup g, String name, Map<String, ArmResult> arms, String arm, Function<ArmResult, Long> value) {
        g.gauge(name, () -> value.apply(arms.get(arm)));
    }

    private static void rate(
            MetricGroup g, String name, Map<String, ArmResult> arms, String arm, Function<ArmResult, Double> value) {
        g.gauge(name, () -> {
            Double v = value.apply(arms.get(arm));
            return v == null ? Double.NaN : v;
        });
    }
}
