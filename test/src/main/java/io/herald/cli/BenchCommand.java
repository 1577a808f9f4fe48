package io.herald.cli;

import io.herald.job.HeraldMain;
import io.herald.job.bootstrap.DeviceBootstrap;
import io.herald.sandbox.CampaignWatcher;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./herald bench ...}: measurements, never tests. Results go to BENCHMARKS.md and stdout. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure Herald on this machine.",
        subcommands = {BenchCommand.Devices.class, BenchCommand.Estimate.class})
final class BenchCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /**
     * Device state: bootstrap time, device events applied per second through the real job, and
     * RocksDB bytes per device (the size of a native savepoint, which is RocksDB's own files).
     */
    @Command(name = "devices", mixinStandardHelpOptions = true, description = "Device state: bootstrap, apply rate, bytes per device.")
    static final class Devices implements Callable<Integer> {
        @Option(names = "--users", defaultValue = "870000",
                description = "Synthetic users (default ${DEFAULT-VALUE}, about 1,000,000 devices).")
        int users;

        @Option(names = "--out", defaultValue = "BENCHMARKS.md", description = "Where to write the table.")
        Path out;

        @Override
        public Integer call() throws Exception {
            Path dir = Files.createTempDirectory("herald-bench-");
            try {
                SyntheticUsers population = SyntheticUsers.generate(users, 42, 0.02);
                int devices = population.devices().size();
                long version = SyntheticUsers.registrationVersion();
                Path export = writeExport(population, version, dir.resolve("devices.jsonl"));
                // Warm-up: a small bootstrap first, so the JIT has seen the code.
                DeviceBootstrap.run(head(export, dir, 50_000), dir.resolve("warm").toString(), Duration.ofDays(270), 2);
                DeviceBootstrap.Result boot = DeviceBootstrap.run(export.toString(), dir.resolve("boot").toString(),
                        Duration.ofDays(270), 2);
                System.out.printf("bootstrap: %,d devices in %,d ms%n", devices, boot.elapsedMs);

                long applyMs;
                long bytes;
                try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                        KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
                    String topic = sandbox.config().topics.devices;
                    for (SyntheticUsers.Device d : population.devices()) {
                        kafka.send(topic, d.userId, d.registerEvent(Sandbox.APP_ID, version));
                    }
                    kafka.flush();
                    long start = System.nanoTime();
                    JobClient job = HeraldMain.startEmbedded(sandbox.config(), 0, null);
                    if (!kafka.awaitConsumed(sandbox.config().kafka.groupId, topic, Duration.ofMinutes(20), b -> { })) {
                        System.out.println("the job did not take in the devices within 20 minutes");
                        return 1;
                    }
                    applyMs = (System.nanoTime() - start) / 1_000_000;
                    System.out.printf("apply: %,d device events in %,d ms (job start included)%n", devices, applyMs);
                    Path savepoint = dir.resolve("native");
                    String written = job.triggerSavepoint(savepoint.toUri().toString(), SavepointFormatType.NATIVE)
                            .get(10, TimeUnit.MINUTES);
                    bytes = size(Path.of(java.net.URI.create(written.startsWith("file:") ? written : "file:" + written)));
                    job.cancel().get();
                }
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("devices", devices);
                r.put("bootstrap_ms", boot.elapsedMs);
                r.put("device_events_per_s", Math.round(devices * 1000.0 / applyMs));
                r.put("bytes_per_device", Math.round((double) bytes / devices));
                writeTable(r);
                System.out.println(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(r));
                return 0;
            } finally {
                TempDirs.deleteQuietly(dir);
            }
        }

        static String head(Path export, Path dir, int lines) throws Exception {
            Path head = dir.resolve("head.jsonl");
            try (Stream<String> all = Files.lines(export)) {
                Files.write(head, (Iterable<String>) all.limit(lines)::iterator);
            }
            return head.toString();
        }

        private static long size(Path dir) throws Exception {
            try (Stream<Path> files = Files.walk(dir)) {
                return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
        }

        private void writeTable(Map<String, Object> r) throws Exception {
            String section = String.format("## Device state (`./herald bench devices`)%n%n"
                            + machine() + "%n%n"
                            + "| measure | value |%n|---|---|%n"
                            + "| devices (synthetic; ~15%% of users with two) | %,d |%n"
                            + "| bootstrap: export to savepoint, parallelism 2, after a 50,000-line warm-up | %,d ms |%n"
                            + "| device events applied per second (Kafka to RocksDB through the job, job start included) | %,d |%n"
                            + "| RocksDB bytes per device (native savepoint size / devices) | %,d |%n",
                    r.get("devices"), r.get("bootstrap_ms"), r.get("device_events_per_s"), r.get("bytes_per_device"));
            replaceSection(out, "## Device state", section);
        }
    }

    /**
     * Estimate mode over a large user base held in RocksDB: users evaluated (CEL segment) and
     * rendered (ICU templates, payloads, the 4 KB check) per second, with nothing sent. The users are
     * bootstrapped into a savepoint once and kept, since making them takes far longer than counting them.
     */
    @Command(name = "estimate", mixinStandardHelpOptions = true,
            description = "Estimate mode over a large user base: users evaluated and rendered per second.")
    static final class Estimate implements Callable<Integer> {
        /** Evaluated per user, with the user's attributes, as a growth team would write it. */
        static final String SEGMENT = "{\"kind\":\"segment\",\"expression\":"
                + "\"opt_in && (attributes.streak > 3.0 || 'new' in tags) && locale != 'ja-JP'\"}";

        @Option(names = "--users", defaultValue = "4000000", description = "Users (default ${DEFAULT-VALUE}).")
        int users;

        @Option(names = "--runs", defaultValue = "3", description = "Measured estimates, after one warm-up (default ${DEFAULT-VALUE}).")
        int runs;

        @Option(names = "--parallelism", defaultValue = "2", description = "Job parallelism (default ${DEFAULT-VALUE}).")
        int parallelism;

        @Option(names = "--state-cache", defaultValue = ".herald/bench",
                description = "Where the bootstrapped users are kept between runs (default ${DEFAULT-VALUE}).")
        Path stateCache;

        @Option(names = "--out", defaultValue = "BENCHMARKS.md", description = "Where to write the table.")
        Path out;

        @Override
        public Integer call() throws Exception {
            Path savepoint = usersSavepoint(stateCache, users);
            Path dir = Files.createTempDirectory("herald-bench-");
            try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), parallelism);
                    KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
                JobClient job = HeraldMain.startEmbedded(sandbox.config(), 0, savepoint.toUri().toString());
                String topic = sandbox.config().topics.campaigns;
                List<Long> wallMs = new ArrayList<>();
                List<Long> operatorMs = new ArrayList<>();
                CampaignWatcher.Estimate last = null;
                for (int run = 0; run <= runs; run++) {
                    // A campaign per run, so that no run can take an earlier run's answers for its own.
                    String campaignId = "estimate-bench-" + run;
                    kafka.send(topic, campaignId, DemoCampaign.create(campaignId, SEGMENT));
                    try (CampaignWatcher watcher = new CampaignWatcher(kafka, campaignId, sandbox.config().topics.receipts,
                            sandbox.config().topics.campaignStatus)) {
                        long start = System.currentTimeMillis();
                        kafka.send(topic, campaignId, DemoCampaign.estimate(campaignId));
                        kafka.flush();
                        last = watcher.awaitEstimate(Duration.ofMinutes(30));
                        if (last == null) {
                            System.out.println("no estimate within 30 minutes: " + watcher.rejection());
                            return 1;
                        }
                        long wall = last.lastAt - start;
                        System.out.printf("%s: %,d users in %,d ms (slowest instance %,d ms)%n",
                                run == 0 ? "warm-up" : "run " + run, last.users, wall, last.elapsedMs);
                        if (run > 0) {
                            wallMs.add(wall);
                            operatorMs.add(last.elapsedMs);
                        }
                    }
                }
                job.cancel().get();
                System.out.println(last.describe());
                long wall = median(wallMs);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("users", last.users);
                r.put("devices_targeted", last.targeted);
                r.put("estimate_ms", wall);
                r.put("estimate_users_per_s", Math.round(last.users * 1000.0 / wall));
                r.put("estimate_operator_ms", median(operatorMs));
                String section = String.format("## Estimate mode (`./herald bench estimate`)%n%n" + machine() + "%n%n"
                                + "| measure | value |%n|---|---|%n"
                                + "| users in RocksDB (bootstrapped; parallelism %d) | %,d |%n"
                                + "| segment (CEL, per device, with attributes) | `%s` |%n"
                                + "| devices targeted and rendered (ICU, payload, 4 KB check) | %,d |%n"
                                + "| estimate, send to last instance's answer, median of %d after a warm-up | %,d ms |%n"
                                + "| users evaluated and rendered per second | %,d |%n"
                                + "| slowest instance's own time, median | %,d ms |%n"
                                + "| goal | 1,000,000 users/s |%n",
                        parallelism, last.users, SEGMENT.replaceAll(".*expression\":\"|\"}$", "").replace("|", "\\|"), last.targeted, runs,
                        wall, r.get("estimate_users_per_s"), r.get("estimate_operator_ms"));
                replaceSection(out, "## Estimate mode", section);
                System.out.println(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(r));
                return 0;
            } finally {
                TempDirs.deleteQuietly(dir);
            }
        }
    }

    /**
     * A savepoint holding {@code users} synthetic users (seed 42), bootstrapped on first use and kept
     * under {@code cache}.
     */
    static Path usersSavepoint(Path cache, int users) throws Exception {
        Path dir = cache.toAbsolutePath().resolve("users-" + users);
        Path savepoint = dir.resolve("savepoint");
        if (Files.exists(savepoint.resolve("_metadata"))) {
            System.out.println("Using the users bootstrapped in " + savepoint);
            return savepoint;
        }
        TempDirs.deleteQuietly(dir);
        Files.createDirectories(dir);
        SyntheticUsers population = SyntheticUsers.generate(users, 42, 0.02);
        Path export = writeExport(population, SyntheticUsers.registrationVersion(), dir.resolve("devices.jsonl"));
        System.out.printf("Bootstrapping %,d users (%,d devices) into %s ...%n", users, population.devices().size(), savepoint);
        DeviceBootstrap.Result r = DeviceBootstrap.run(export.toString(), savepoint.toString(), Duration.ofDays(270), 2);
        System.out.printf("bootstrapped in %,d ms%n", r.elapsedMs);
        Files.delete(export);
        return savepoint;
    }

    static Path writeExport(SyntheticUsers population, long version, Path export) throws Exception {
        try (BufferedWriter w = Files.newBufferedWriter(export, StandardCharsets.UTF_8)) {
            for (SyntheticUsers.Device d : population.devices()) {
                w.write(new String(d.registerEvent(Sandbox.APP_ID, version), StandardCharsets.UTF_8));
                w.newLine();
            }
        }
        return export;
    }

    static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }

    /** The machine line every table starts with. */
    static String machine() {
        return String.format("Machine: %d cores, %s %s, Java %s (%s); %s.", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"),
                System.getProperty("java.vm.name"), LocalDate.now());
    }

    /** Writes {@code section} into {@code out}, replacing the section that starts with {@code heading}. */
    static void replaceSection(Path out, String heading, String section) throws Exception {
        String current = Files.exists(out) ? Files.readString(out) : "# Herald benchmarks\n\n";
        int at = current.indexOf(heading);
        if (at >= 0) {
            int end = current.indexOf("\n## ", at + 1);
            current = current.substring(0, at) + (end < 0 ? "" : current.substring(end + 1));
        }
        Files.writeString(out, current.stripTrailing() + "\n\n" + section);
    }
}
