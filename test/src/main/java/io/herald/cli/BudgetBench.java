package io.herald.cli;

import io.herald.job.HeraldJob;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.config.HeraldConfig;
import io.herald.model.Platform;
import io.herald.sandbox.ArrivalTimes;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./herald bench budget}: does a send budget stay whole when the work is not spread evenly?
 * A campaign whose users sit {@code --skew} on one of two parallel instances (chosen by the job's own
 * key-group assignment), with each provider given a budget ({@code fcm.maxPerMinute}, and
 * {@code apns.maxPerSecond}), on the embedded job against the emulators. Counted at the emulators:
 * each provider's arrivals from its first to its last, as a share of its budget. Split evenly, the
 * busy instance could only ever use half of it, and the campaign would run at 1 / (2 × skew) of it.
 */
@Command(
        name = "budget",
        mixinStandardHelpOptions = true,
        description = "A campaign with its users skewed onto one of two instances: the share of each "
                + "provider's budget it uses.")
final class BudgetBench extends SectionBench {
    @Option(
            names = "--users",
            defaultValue = "40000",
            description = "Users in the campaign (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--skew",
            defaultValue = "0.9",
            description = "The share of the users on the first instance (default ${DEFAULT-VALUE}).")
    double skew;

    @Option(
            names = "--per-second",
            defaultValue = "2000",
            description = "The budgets of APNs and FCM together, notifications per second, split between "
                    + "them as the devices are (default ${DEFAULT-VALUE}).")
    int perSecond;

    @Override
    Map<String, Object> measure() throws Exception {
        Path dir = Files.createTempDirectory("herald-budget-");
        Map<String, Object> r = new LinkedHashMap<>();
        try (Sandbox sandbox = Sandbox.start(dir, 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            HeraldConfig config = sandbox.config();
            SyntheticUsers population = skewed();
            int[] budgets = splitBudgets(config, population, perSecond);
            int apnsBudget = budgets[0];
            int fcmBudget = budgets[1];
            JobClient job = HeraldMain.startEmbedded(config, 0, null);
            try {
                if (!DeviceLoad.load(sandbox, kafka, population)) {
                    throw new IllegalStateException("the job did not take in the devices in 10 minutes");
                }
                String campaignId = "budget-" + System.currentTimeMillis();
                String campaigns = config.topics.campaigns;
                try (CampaignWatcher watcher =
                        kafka.watch(campaignId, config.topics.receipts, config.topics.campaignStatus)) {
                    kafka.send(campaigns, campaignId, DemoCampaign.create(campaignId, DemoCampaign.ALL));
                    kafka.flush();
                    watcher.awaitUntil(
                            Duration.ofMinutes(2),
                            () -> {},
                            () -> watcher.statuses().stream()
                                    .anyMatch(n ->
                                            "accepted".equals(n.path("status").asText())));
                    long firedAt = System.currentTimeMillis();
                    Sandbox.Arrivals arrivals = sandbox.recordArrivals(firedAt);
                    kafka.send(campaigns, campaignId, DemoCampaign.fire(campaignId));
                    kafka.flush();
                    if (!watcher.awaitDone(Duration.ofMinutes(20), () -> {})) {
                        throw new IllegalStateException("the campaign did not finish in 20 minutes");
                    }
                    r.put(
                            "users",
                            population.devices().stream()
                                    .map(d -> d.userId)
                                    .distinct()
                                    .count());
                    r.put("devices", population.devices().size());
                    r.put("skew", skew);
                    r.put("budget_per_second", perSecond);
                    r.put("apns", use(arrivals.apns(), apnsBudget));
                    r.put("fcm", use(arrivals.fcm(), fcmBudget));
                    r.put("even_split_would_use", 1 / (2 * skew));
                }
            } finally {
                job.cancel().get();
            }
        } finally {
            TempDirs.deleteQuietly(dir);
        }
        write(r);
        return r;
    }

    /**
     * Gives the sandbox's app budgets of {@code perSecond} in all, split between the providers as
     * {@code population}'s devices are, so that the walk, which goes at the pace of the provider it
     * waits for, waits for both alike; returns the APNs and the FCM budget.
     */
    static int[] splitBudgets(HeraldConfig config, SyntheticUsers population, int perSecond) {
        double ios = population.devices().stream()
                        .filter(d -> d.expectsDelivery() && d.platform == Platform.IOS)
                        .count()
                / (double) population.devices().stream()
                        .filter(SyntheticUsers.Device::expectsDelivery)
                        .count();
        int apnsBudget = (int) Math.round(perSecond * ios);
        int fcmBudget = perSecond - apnsBudget;
        config.apps.forEach(a -> {
            a.fcm.maxPerMinute = fcmBudget * 60;
            a.apns.maxPerSecond = apnsBudget;
        });
        return new int[] {apnsBudget, fcmBudget};
    }

    /** Users whose keys put {@code skew} of them on instance 0 of 2, the rest on instance 1. */
    private SyntheticUsers skewed() {
        long onFirst = Math.round(users * skew);
        long[] kept = new long[2];
        return SyntheticUsers.generate(users * 3, 42, 0).users(userId -> {
            int instance = KeyGroupRangeAssignment.assignKeyToParallelOperator(userId, HeraldJob.MAX_PARALLELISM, 2);
            long room = instance == 0 ? onFirst : users - onFirst;
            if (kept[instance] < room) {
                kept[instance]++;
                return true;
            }
            return false;
        });
    }

    /** One provider's arrivals, and the share of the budget they used from the first to the last. */
    private static Map<String, Object> use(ArrivalTimes arrivals, int budget) {
        Map<String, Object> u = new LinkedHashMap<>();
        long first = arrivals.quantileMs(0);
        long last = arrivals.quantileMs(1);
        double seconds = Math.max(1, last - first) / 1000.0;
        u.put("budget_per_second", budget);
        u.put("delivered", arrivals.count());
        u.put("first_ms", first);
        u.put("last_ms", last);
        u.put("per_second", Math.round(arrivals.count() / seconds));
        u.put("budget_used", Math.round(1000.0 * arrivals.count() / seconds / budget) / 1000.0);
        return u;
    }

    private void write(Map<String, Object> r) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> apns = (Map<String, Object>) r.get("apns");
        @SuppressWarnings("unchecked")
        Map<String, Object> fcm = (Map<String, Object>) r.get("fcm");
        String section = String.format(
                Locale.ROOT,
                "## Send budgets lent by demand (`./herald bench budget`)%n%n"
                        + "%,d users (%,d devices), %.0f%% of them on one of two instances; budgets of %,d a "
                        + "second in all, split between the providers as the devices are. Counted at the emulators, "
                        + "first arrival to last:%n%n"
                        + "| Provider | Budget /s | Delivered | Per second | Budget used |%n|---|---:|---:|---:|---:|%n"
                        + "| APNs | %,d | %,d | %,d | %.1f%% |%n| FCM | %,d | %,d | %,d | %.1f%% |%n%n"
                        + "Split evenly between the instances, the campaign would have used %.1f%%.%n",
                (Long) r.get("users"),
                (Integer) r.get("devices"),
                skew * 100,
                perSecond,
                (Integer) apns.get("budget_per_second"),
                (Long) apns.get("delivered"),
                (Long) apns.get("per_second"),
                (Double) apns.get("budget_used") * 100,
                (Integer) fcm.get("budget_per_second"),
                (Long) fcm.get("delivered"),
                (Long) fcm.get("per_second"),
                (Double) fcm.get("budget_used") * 100,
                100 / (2 * skew));
        BenchCommand.replaceSection(out, "## Send budgets lent by demand", section);
        System.out.print(section);
    }
}
