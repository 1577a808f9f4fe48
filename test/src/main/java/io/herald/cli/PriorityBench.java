package io.herald.cli;

import io.herald.campaign.CampaignLife;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.config.HeraldConfig;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./herald bench priority}: transactional sends while a broadcast holds the budgets full. A
 * broadcast to every user but those whose devices are all in Japanese ({@code ja-JP}), budgets small
 * enough that it runs at them for half a minute; a few seconds in, a transactional send every
 * {@code 1 / --sends-per-second} s to one of the Japanese users, who get nothing else. Each send's
 * time from its record to its arrival at the emulator, device by device, is the figure (the issue
 * asks p99 ≤ 1 s), beside the broadcast's own rate over the same seconds (it must stay at the budget).
 *
 * <p>A production job has sent before: with {@code --warm-up-seconds} above 0 (the default), the job
 * first runs the same broadcast and sends to other Japanese users for that long, then cancels it, so
 * the figure is the priority's and not the JIT compiler's; {@code --warm-up-seconds 0} measures a
 * cold job's first campaign.
 */
@Command(
        name = "priority",
        mixinStandardHelpOptions = true,
        description = "Transactional sends during a broadcast at the budget: their record-to-arrival times.")
final class PriorityBench extends SectionBench {
    @Option(names = "--users", defaultValue = "30000", description = "Synthetic users (default ${DEFAULT-VALUE}).")
    int users;

    @Option(names = "--sends", defaultValue = "150", description = "Transactional sends (default ${DEFAULT-VALUE}).")
    int sends;

    @Option(
            names = "--sends-per-second",
            defaultValue = "10",
            description = "Transactional sends a second (default ${DEFAULT-VALUE}).")
    int sendsPerSecond;

    @Option(
            names = "--per-second",
            defaultValue = "1000",
            description = "The budgets of APNs and FCM together, split as the devices are (default ${DEFAULT-VALUE}).")
    int perSecond;

    @Option(
            names = "--warm-up-seconds",
            defaultValue = "30",
            description =
                    "Seconds of a broadcast and sends run and cancelled first; 0 for a cold job (default ${DEFAULT-VALUE}).")
    int warmUpSeconds;

    private static final String BROADCAST_AUDIENCE =
            "{\"kind\":\"segment\",\"locales\":[\"en\",\"pt\",\"es\",\"de\",\"fr\"]}";

    @Override
    Map<String, Object> measure() throws Exception {
        Path dir = Files.createTempDirectory("herald-priority-");
        Map<String, Object> r = new LinkedHashMap<>();
        try (Sandbox sandbox = Sandbox.start(dir, 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            HeraldConfig config = sandbox.config();
            SyntheticUsers population = SyntheticUsers.generate(users, 42, 0);
            Map<String, List<SyntheticUsers.Device>> byUser = population.devices().stream()
                    .collect(Collectors.groupingBy(d -> d.userId, LinkedHashMap::new, Collectors.toList()));
            List<List<SyntheticUsers.Device>> targets = byUser.values().stream()
                    .filter(ds -> ds.stream().allMatch(d -> d.expectsDelivery() && d.locale.equals("ja-JP")))
                    .limit(2L * sends)
                    .toList();
            if (targets.size() < 2 * sends) {
                throw new IllegalStateException("only " + targets.size() + " users have every device in ja-JP");
            }
            // The first half is measured; the warm-up's sends go to the second.
            List<List<SyntheticUsers.Device>> warmUpTargets = targets.subList(sends, 2 * sends);
            int[] budgets = BudgetBench.splitBudgets(config, population, perSecond);
            JobClient job = HeraldMain.startEmbedded(config, 0, null);
            try {
                if (!DeviceLoad.load(sandbox, kafka, population)) {
                    throw new IllegalStateException("the job did not take in the devices in 10 minutes");
                }
                String campaigns = config.topics.campaigns;
                String broadcast = "broadcast-" + System.currentTimeMillis();
                String tx = "tx-" + System.currentTimeMillis();
                if (warmUpSeconds > 0) {
                    warmUp(kafka, config, tx, warmUpTargets);
                }
                try (CampaignWatcher watcher =
                                kafka.watch(broadcast, config.topics.receipts, config.topics.campaignStatus);
                        CampaignWatcher txWatcher =
                                kafka.watch(tx, config.topics.receipts, config.topics.campaignStatus)) {
                    kafka.send(campaigns, broadcast, DemoCampaign.create(broadcast, BROADCAST_AUDIENCE));
                    if (warmUpSeconds == 0) {
                        kafka.send(campaigns, tx, DemoCampaign.create(tx, DemoCampaign.ALL));
                    }
                    kafka.flush();
                    for (CampaignWatcher w : List.of(watcher, txWatcher)) {
                        w.awaitUntil(
                                Duration.ofMinutes(2),
                                () -> {},
                                () -> w.statuses().stream()
                                        .anyMatch(n -> "accepted"
                                                .equals(n.path("status").asText())));
                    }
                    long firedAt = System.currentTimeMillis();
                    Sandbox.Arrivals arrivals = sandbox.recordArrivals(firedAt);
                    kafka.send(campaigns, broadcast, DemoCampaign.fire(broadcast));
                    kafka.flush();
                    Thread.sleep(3_000); // the broadcast is at the budgets by now

                    long sendsFrom = System.currentTimeMillis();
                    List<long[]> sent = new ArrayList<>(); // per device: record time, index of its token
                    List<SyntheticUsers.Device> devices = new ArrayList<>();
                    for (int i = 0; i < sends; i++) {
                        long due = sendsFrom + i * 1000L / sendsPerSecond;
                        long wait = due - System.currentTimeMillis();
                        if (wait > 0) {
                            Thread.sleep(wait);
                        }
                        List<SyntheticUsers.Device> ds = targets.get(i);
                        ds.forEach(d -> registry(sandbox, d).watch(d.token));
                        long at = System.currentTimeMillis();
                        kafka.send(campaigns, tx, DemoCampaign.send(tx, ds.get(0).userId, "s" + i));
                        kafka.flush();
                        for (SyntheticUsers.Device d : ds) {
                            sent.add(new long[] {at, devices.size()});
                            devices.add(d);
                        }
                    }
                    long sendsUntil = System.currentTimeMillis();
                    long deadline = sendsUntil + 60_000;
                    List<Long> latencies = new ArrayList<>();
                    while (System.currentTimeMillis() < deadline) {
                        latencies.clear();
                        for (long[] s : sent) {
                            SyntheticUsers.Device d = devices.get((int) s[1]);
                            long first = registry(sandbox, d).firstArrival(d.token);
                            if (first > 0) {
                                latencies.add(first - s[0]);
                            }
                        }
                        if (latencies.size() == sent.size()) {
                            break;
                        }
                        Thread.sleep(100);
                    }
                    // In send order too: whether the slow ones came first (a job still warming up) or throughout.
                    List<Long> inOrder = new ArrayList<>(latencies);
                    List<Long> secondHalf = new ArrayList<>(inOrder.subList(inOrder.size() / 2, inOrder.size()));
                    Collections.sort(secondHalf);
                    Collections.sort(latencies);
                    long[] perSecondBuckets = arrivals.apns().perBucket(1000);
                    long[] fcmBuckets = arrivals.fcm().perBucket(1000);
                    int fromS = (int) ((sendsFrom - firedAt) / 1000);
                    int toS = (int) ((sendsUntil - firedAt) / 1000);
                    long during = 0;
                    for (int s = fromS; s < toS; s++) {
                        during += (s < perSecondBuckets.length ? perSecondBuckets[s] : 0)
                                + (s < fcmBuckets.length ? fcmBuckets[s] : 0);
                    }
                    watcher.awaitDone(Duration.ofMinutes(10), () -> {});
                    r.put("users", users);
                    r.put("warm_up_seconds", warmUpSeconds);
                    r.put("budget_per_second", perSecond);
                    r.put("apns_budget", budgets[0]);
                    r.put("fcm_budget", budgets[1]);
                    r.put("sends", sends);
                    r.put("send_devices", sent.size());
                    r.put("arrived", latencies.size());
                    r.put("p50_ms", quantile(latencies, 0.5));
                    r.put("p99_ms", quantile(latencies, 0.99));
                    r.put("max_ms", latencies.isEmpty() ? -1 : latencies.get(latencies.size() - 1));
                    r.put("second_half_p99_ms", quantile(secondHalf, 0.99));
                    r.put("in_send_order_ms", inOrder);
                    r.put("arrivals_per_second_during_sends", toS > fromS ? during / (toS - fromS) : 0);
                    r.put("broadcast_targeted", watcher.targeted());
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
     * The broadcast and sends to {@code warmUpTargets} for {@code --warm-up-seconds}, then the broadcast
     * cancelled and done; {@code tx} is created here and used again by the measured sends.
     */
    private void warmUp(KafkaIO kafka, HeraldConfig config, String tx, List<List<SyntheticUsers.Device>> warmUpTargets)
            throws Exception {
        String campaigns = config.topics.campaigns;
        String warmUp = "warm-up-" + System.currentTimeMillis();
        try (CampaignWatcher watcher = kafka.watch(warmUp, config.topics.receipts, config.topics.campaignStatus)) {
            kafka.send(campaigns, warmUp, DemoCampaign.create(warmUp, BROADCAST_AUDIENCE));
            kafka.send(campaigns, tx, DemoCampaign.create(tx, DemoCampaign.ALL));
            kafka.send(campaigns, warmUp, DemoCampaign.fire(warmUp));
            kafka.flush();
            long from = System.currentTimeMillis();
            for (int i = 0; System.currentTimeMillis() - from < warmUpSeconds * 1000L; i++) {
                long wait = from + i * 1000L / sendsPerSecond - System.currentTimeMillis();
                if (wait > 0) {
                    Thread.sleep(wait);
                }
                String userId = warmUpTargets.get(i % warmUpTargets.size()).get(0).userId;
                kafka.send(campaigns, tx, DemoCampaign.send(tx, userId, "warm-up-" + i));
                kafka.flush();
            }
            kafka.send(campaigns, warmUp, DemoCampaign.cancel(warmUp));
            kafka.flush();
            if (!watcher.awaitUntil(
                    Duration.ofMinutes(2), () -> {}, () -> watcher.state() == CampaignLife.State.CANCELLED)) {
                throw new IllegalStateException("the warm-up broadcast was not cancelled in 2 minutes");
            }
            Thread.sleep(2_000); // what was in flight at the cancel comes back
            System.out.printf(
                    Locale.ROOT,
                    "warm-up: %,d s of a broadcast (%,d receipts) and sends, cancelled%n",
                    warmUpSeconds,
                    watcher.receipts());
        }
    }

    private static TokenRegistry registry(Sandbox sandbox, SyntheticUsers.Device d) {
        return sandbox.tokens(d.platform);
    }

    private static long quantile(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return -1;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1));
    }

    private void write(Map<String, Object> r) throws Exception {
        String section = String.format(
                Locale.ROOT,
                "## Transactional sends during a broadcast at the budget (`./herald bench priority`)%n%n"
                        + "%,d users; budgets %,d a second in all (APNs %,d, FCM %,d); %s; a broadcast to all but the "
                        + "users whose devices are all ja-JP, and %,d transactional sends to those users (%,d devices), "
                        + "%d a second, from 3 s after the fire. Record to arrival at the emulators, device by device:"
                        + "%n%n| arrived | p50 | p99 | max | p99 of the later half | all arrivals per second meanwhile |%n"
                        + "|---:|---:|---:|---:|---:|---:|%n"
                        + "| %,d of %,d | %,d ms | %,d ms | %,d ms | %,d ms | %,d |%n",
                (Integer) r.get("users"),
                (Integer) r.get("budget_per_second"),
                (Integer) r.get("apns_budget"),
                (Integer) r.get("fcm_budget"),
                warmUpSeconds > 0
                        ? "the job warmed up first by " + warmUpSeconds
                                + " s of the same broadcast and sends, cancelled"
                        : "a cold job's first campaign",
                (Integer) r.get("sends"),
                (Integer) r.get("send_devices"),
                sendsPerSecond,
                (Integer) r.get("arrived"),
                (Integer) r.get("send_devices"),
                (Long) r.get("p50_ms"),
                (Long) r.get("p99_ms"),
                (Long) r.get("max_ms"),
                (Long) r.get("second_half_p99_ms"),
                (Long) r.get("arrivals_per_second_during_sends"));
        BenchCommand.replaceSection(out, "## Transactional sends during a broadcast", section);
        System.out.print(section);
    }
}
