package io.herald.cli;

import io.herald.job.cli.CampaignWatcher;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.StandaloneFlink;
import io.herald.sandbox.SyntheticUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./herald bench crash}: what a crash and a stop do to a campaign in the middle of it, on a
 * real multi-process Flink cluster (a JobManager and two TaskManagers as JVMs of their own, the job
 * jar submitted with {@code flink run}), as an operator would meet them: a TaskManager running a
 * fan-out instance killed with SIGKILL a few seconds after the fire (a fresh one started), and a
 * {@code flink stop --savepointPath} a few seconds after another fire, then {@code flink run -s}.
 * Lost and duplicated notifications are counted by the emulators, device by device.
 */
@Command(
        name = "crash",
        mixinStandardHelpOptions = true,
        description = "A TaskManager killed, and a stop with savepoint, mid-campaign on a real cluster.")
final class CrashBench extends SectionBench {
    @Option(names = "--users", defaultValue = "200000", description = "Synthetic users (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--after-ms",
            defaultValue = "6000",
            description =
                    "How long after the fire the TaskManager is killed or the job stopped (default ${DEFAULT-VALUE}).")
    long afterMs;

    /** Measures both, writes the section, and returns the figures. */
    @Override
    Map<String, Object> measure() throws Exception {
        Path dir = Files.createTempDirectory("herald-crash-");
        Map<String, Object> r = new LinkedHashMap<>();
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
                StandaloneFlink flink = StandaloneFlink.start(dir.resolve("flink"), 2, 2)) {
            sandbox.keepPayloads(false);
            SyntheticUsers population = SyntheticUsers.generate(users, 42, 0.02);
            population.registerWith(sandbox);
            Path jar = StandaloneFlink.jobJar(Path.of("job"));
            String config = sandbox.configFile().toString();
            String job = flink.submit(jar, "io.herald.job.HeraldMain", null, List.of("--config", config));
            flink.awaitAllRunning(job, Duration.ofMinutes(2));
            if (!population.load(sandbox, kafka, Duration.ofMinutes(20), b -> {})) {
                throw new IllegalStateException("the job did not take in the devices in 20 minutes");
            }
            long expected = population.devices().stream()
                    .filter(SyntheticUsers.Device::expectsDelivery)
                    .count();
            r.put("devices", population.devices().size());
            r.put("max_in_flight", sandbox.config().delivery.maxInFlight);
            r.put("expected", expected);

            // 1. A TaskManager running a fan-out instance, killed.
            CampaignWatcher crash = fire(kafka, sandbox, "bench-crash");
            Thread.sleep(afterMs);
            List<String> busy = flink.taskManagersRunning(job, "Keep user state");
            String victim = busy.get(0);
            long atKill = sandbox.received();
            long killedAt = System.currentTimeMillis();
            flink.kill(victim);
            flink.startTaskManager();
            if (!crash.awaitDone(Duration.ofMinutes(20), () -> {})) {
                throw new IllegalStateException("the campaign did not finish after the crash");
            }
            EmulatorCounts counts = EmulatorCounts.of(population, sandbox, 1);
            long bound = busy.stream().filter(victim::equals).count() * 2 * sandbox.config().delivery.maxInFlight;
            r.put("crash_received_at_kill", atKill);
            r.put("crash_lost", counts.lost);
            r.put("crash_duplicates", counts.duplicates);
            r.put("crash_duplicate_bound", bound);
            r.put("crash_kill_to_last_ack_ms", crash.lastAckAt() - killedAt);
            r.put("crash_restarts", flink.restarts(job));
            System.out.printf(
                    "crash: killed %s after %,d of %,d; lost %,d, duplicates %,d (bound %,d)%n",
                    victim, atKill, expected, counts.lost, counts.duplicates, bound);
            crash.close();
            sandbox.resetCounts();

            // 2. Stop with a savepoint, then a new job from it.
            flink.awaitAllRunning(job, Duration.ofMinutes(2));
            CampaignWatcher stop = fire(kafka, sandbox, "bench-stop");
            Thread.sleep(afterMs);
            long atStop = sandbox.received();
            long stopping = System.nanoTime();
            String savepoint = flink.stopWithSavepoint(job, dir.resolve("savepoints"));
            long stopMs = (System.nanoTime() - stopping) / 1_000_000;
            String resumed = flink.submit(jar, "io.herald.job.HeraldMain", savepoint, List.of("--config", config));
            if (!stop.awaitDone(Duration.ofMinutes(20), () -> {})) {
                throw new IllegalStateException("the campaign did not finish after the stop");
            }
            counts = EmulatorCounts.of(population, sandbox, 1);
            r.put("stop_received_at_stop", atStop);
            r.put("stop_ms", stopMs);
            r.put("stop_lost", counts.lost);
            r.put("stop_duplicates", counts.duplicates);
            System.out.printf(
                    "stop: after %,d of %,d, took %,d ms; lost %,d, duplicates %,d%n",
                    atStop, expected, stopMs, counts.lost, counts.duplicates);
            stop.close();
            flink.cli(List.of("cancel", "-m", "localhost:" + flink.restPort(), resumed));
        } finally {
            TempDirs.deleteQuietly(dir);
        }
        writeTable(r);
        return r;
    }

    private static CampaignWatcher fire(KafkaIO kafka, Sandbox sandbox, String campaignId) {
        CampaignWatcher w =
                kafka.watch(campaignId, sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
        kafka.send(sandbox.config().topics.campaigns, campaignId, DemoCampaign.create(campaignId, DemoCampaign.ALL));
        kafka.send(sandbox.config().topics.campaigns, campaignId, DemoCampaign.fire(campaignId));
        kafka.flush();
        return w;
    }

    private void writeTable(Map<String, Object> r) throws Exception {
        String section = String.format(
                "## Crashes and stops mid-campaign (`./herald bench crash`)%n%n%s%n%n"
                        + "A standalone Flink cluster (JobManager and two TaskManagers, two slots each, JVMs of their own), "
                        + "job parallelism 2, %,d requests in flight per delivery instance; Kafka and the emulators in the "
                        + "bench's JVM. %,d devices, %,d that should get the campaign; each event %,d ms after the fire.%n%n"
                        + "| event | notifications before it | lost | duplicates | |%n|---|---|---|---|---|%n"
                        + "| a TaskManager running a fan-out instance killed (SIGKILL), a fresh one started | %,d | %,d | %,d | bound %,d; "
                        + "last ack %,d ms after the kill |%n"
                        + "| `flink stop --savepointPath`, then `flink run -s` | %,d | %,d | %,d | the stop took %,d ms |%n",
                BenchCommand.machine(),
                r.get("max_in_flight"),
                r.get("devices"),
                r.get("expected"),
                afterMs,
                r.get("crash_received_at_kill"),
                r.get("crash_lost"),
                r.get("crash_duplicates"),
                r.get("crash_duplicate_bound"),
                r.get("crash_kill_to_last_ack_ms"),
                r.get("stop_received_at_stop"),
                r.get("stop_lost"),
                r.get("stop_duplicates"),
                r.get("stop_ms"));
        BenchCommand.replaceSection(out, "## Crashes and stops mid-campaign", section);
    }
}
