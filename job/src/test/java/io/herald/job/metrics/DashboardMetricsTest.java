package io.herald.job.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.budget.BudgetAccount;
import io.herald.budget.SendBudget;
import io.herald.delivery.AccountSlots;
import io.herald.delivery.CredentialStop;
import io.herald.delivery.DeliveryMetrics;
import io.herald.delivery.RetryPolicy;
import io.herald.delivery.RetryingSender;
import io.herald.job.fanout.walk.WalkMetrics;
import io.herald.job.results.ResultsMetrics;
import io.herald.model.ArmResult;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.channel.DefaultEventLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard queries Herald's metrics by their Prometheus names: each must be one the job
 * registers, or its panel stays empty without anyone noticing.
 */
class DashboardMetricsTest {
    private static final Path DASHBOARD = Path.of("..", "flink-conf", "grafana-herald.json");
    /** Flink's Prometheus reporter names an operator's metric by its scope and groups, joined by "_". */
    private static final String OPERATOR = "flink_taskmanager_job_task_operator_";

    /** Records every metric's name as the Prometheus reporter would build it (a key-value group's key is in the name). */
    private static final class Names extends UnregisteredMetricsGroup {
        private final Set<String> names;
        private final String prefix;

        Names(Set<String> names, String prefix) {
            this.names = names;
            this.prefix = prefix;
        }

        private <T> T add(String name, T metric) {
            names.add(OPERATOR + prefix + name);
            return metric;
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            return add(name, counter);
        }

        @Override
        public Counter counter(String name) {
            return add(name, super.counter(name));
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            return add(name, gauge);
        }

        @Override
        public <H extends Histogram> H histogram(String name, H histogram) {
            return add(name, histogram);
        }

        @Override
        public <M extends Meter> M meter(String name, M meter) {
            return add(name, meter);
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new Names(names, prefix + name + "_");
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new Names(names, prefix + key + "_");
        }
    }

    @Test
    void everyHeraldMetricTheDashboardQueriesIsOneTheJobRegisters() throws Exception {
        Set<String> registered = new TreeSet<>();
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            RetryingSender sender = new RetryingSender(
                    new RetryPolicy(5, 10, 100),
                    loop,
                    AccountSlots.unbudgeted(10, loop),
                    RetryingSender.newTimer("test"),
                    10_000);
            DeliveryMetrics metrics = new DeliveryMetrics(new Names(registered, ""), sender, new CredentialStop());
            // Each send budget's gauges are registered as the delivery opens.
            metrics.budgets(
                    new AccountSlots(Map.of("news", new SendBudget(BudgetAccount.fcmProject("p"), 1000)), 2, 10, loop));
            // Provider reasons are registered as they first come.
            SendRequest request = new SendRequest();
            request.notificationId = "c/d";
            request.campaignId = "c";
            request.deviceId = "d";
            request.platform = Platform.IOS;
            metrics.count(Receipt.of(request, Outcome.TOKEN_DEAD, 410, "Unregistered", 1, 0));
        } finally {
            loop.shutdownGracefully();
        }
        new WalkMetrics(new Names(registered, ""), () -> 0);
        // An experiment's arms' gauges are registered with its first results.
        ArmResult arm = new ArmResult();
        arm.arm = "bold";
        new ResultsMetrics(new Names(registered, "")).update("c", List.of(arm));

        JsonNode dashboard = new ObjectMapper().readTree(Files.readString(DASHBOARD));
        Set<String> queried = new TreeSet<>();
        Pattern herald = Pattern.compile(OPERATOR + "herald_[A-Za-z_]+");
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("targets").size())
                    .as(panel.path("title").asText())
                    .isPositive();
            for (JsonNode target : panel.path("targets")) {
                Matcher m = herald.matcher(target.path("expr").asText());
                while (m.find()) {
                    queried.add(m.group());
                }
            }
        }
        assertThat(queried).as("the dashboard queries Herald's metrics").hasSizeGreaterThanOrEqualTo(10);
        assertThat(registered).containsAll(queried);
        assertThat(registered)
                .as("what the job registers")
                .contains(
                        OPERATOR + "herald_outcome_receipts",
                        OPERATOR + "herald_notificationsPerSecond",
                        OPERATOR + "herald_usersWalked",
                        OPERATOR + "herald_campaign_arm_conversionRate");
    }
}
