package io.herald.cli;

import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Estimate mode over a large user base held in RocksDB: users evaluated (CEL segment) and
 * rendered (ICU templates, payloads, the 4 KB check) per second, with nothing sent. The users are
 * bootstrapped into a savepoint once and kept, since making them takes far longer than counting them.
 */
@Command(
        name = "estimate",
        mixinStandardHelpOptions = true,
        description = "Estimate mode over a large user base: users evaluated and rendered per second.")
final class EstimateBench extends SectionBench {
    /** Evaluated per user, with the user's attributes, as a growth team would write it. */
    static final String SEGMENT = "{\"kind\":\"segment\",\"expression\":"
            + "\"opt_in && (attributes.streak > 3.0 || 'new' in tags) && locale != 'ja-JP'\"}";

    @Option(names = "--users", defaultValue = "4000000", description = "Users (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--runs",
            defaultValue = "3",
            description = "Measured estimates, after one warm-up (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--parallelism", defaultValue = "2", description = "Job parallelism (default ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(
            names = "--state-cache",
            defaultValue = ".herald/bench",
            description = "Where the bootstrapped users are kept between runs (default ${DEFAULT-VALUE}).")
    Path stateCache;

    /** Measures, writes the section, and returns the figures (null if it could not measure). */
    @Override
    Map<String, Object> measure() throws Exception {
        Path savepoint = BenchCommand.usersSavepoint(stateCache, users);
        Path dir = Files.createTempDirectory("herald-bench-");
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), parallelism);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            JobClient job = HeraldMain.startEmbedded(
                    sandbox.config(), 0, savepoint.toUri().toString());
            String topic = sandbox.config().topics.campaigns;
            List<Long> wallMs = new ArrayList<>();
            List<Long> operatorMs = new ArrayList<>();
            CampaignWatcher.Estimate last = null;
            for (int run = 0; run <= runs; run++) {
                // A campaign per run, so that no run can take an earlier run's answers for its own.
                String campaignId = "estimate-bench-" + run;
                kafka.send(topic, campaignId, DemoCampaign.create(campaignId, SEGMENT));
                try (CampaignWatcher watcher = kafka.watch(
                        campaignId, sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus)) {
                    long start = System.currentTimeMillis();
                    kafka.send(topic, campaignId, DemoCampaign.estimate(campaignId));
                    kafka.flush();
                    last = watcher.awaitEstimate(Duration.ofMinutes(30));
                    if (last == null) {
                        System.out.println("no estimate within 30 minutes: " + watcher.rejection());
                        return null;
                    }
                    long wall = last.lastAt - start;
                    System.out.printf(
                            "%s: %,d users in %,d ms (slowest instance %,d ms)%n",
                            run == 0 ? "warm-up" : "run " + run, last.users, wall, last.elapsedMs);
                    if (run > 0) {
                        wallMs.add(wall);
                        operatorMs.add(last.elapsedMs);
                    }
                }
            }
            job.cancel().get();
            System.out.print(last.table("estimate-bench-" + runs));
            long wall = BenchCommand.median(wallMs);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("users", last.users);
            r.put("devices_targeted", last.targeted);
            r.put("estimate_ms", wall);
            r.put("estimate_users_per_s", Math.round(last.users * 1000.0 / wall));
            r.put("estimate_operator_ms", BenchCommand.median(operatorMs));
            String section = String.format(
                    "## Estimate mode (`./herald bench estimate`)%n%n" + BenchCommand.machine() + "%n%n"
                            + "| measure | value |%n|---|---|%n"
                            + "| users in RocksDB (bootstrapped; parallelism %d) | %,d |%n"
                            + "| segment (CEL, per device, with attributes) | `%s` |%n"
                            + "| devices targeted and rendered (ICU, payload, 4 KB check) | %,d |%n"
                            + "| estimate, send to last instance's answer, median of %d after a warm-up | %,d ms |%n"
                            + "| users evaluated and rendered per second | %,d |%n"
                            + "| slowest instance's own time, median | %,d ms |%n"
                            + "| goal | 1,000,000 users/s |%n",
                    parallelism,
                    last.users,
                    SEGMENT.replaceAll(".*expression\":\"|\"}$", "").replace("|", "\\|"),
                    last.targeted,
                    runs,
                    wall,
                    r.get("estimate_users_per_s"),
                    r.get("estimate_operator_ms"));
            BenchCommand.replaceSection(out, "## Estimate mode", section);
            return r;
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }
}
