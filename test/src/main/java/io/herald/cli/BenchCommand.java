package io.herald.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.job.bootstrap.DeviceBootstrap;
import io.herald.job.config.HeraldConfig;
import io.herald.job.state.UserStateSerializer;
import io.herald.model.Platform;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./herald bench}: measurements, never tests. Results go to BENCHMARKS.md, and the last line
 * printed is one JSON object. Without a subcommand it measures everything, side by side in one run:
 * the provider clients alone (the limit), Herald end to end at several sizes, its CPU time and
 * memory, estimate mode, and device state. Kafka and the emulators run in a second JVM
 * ({@link BenchPeer}), so this JVM's CPU time and memory are the job's.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Measure Herald on this machine.",
        subcommands = {
            DeviceBench.class,
            EstimateBench.class,
            CrashBench.class,
            ReplayBench.class,
            BudgetBench.class,
            PriorityBench.class,
            StatusBench.class,
            WebPushBench.class,
            LiveScoreBench.class
        })
final class BenchCommand implements Callable<Integer> {
    @Option(
            names = "--e2e-users",
            defaultValue = "870000",
            description = "Users of the headline end-to-end run (default ${DEFAULT-VALUE}, about 1,000,000 devices).")
    int e2eUsers;

    @Option(
            names = "--scale-users",
            split = ",",
            defaultValue = "87000,870000,4000000",
            description = "Users of each end-to-end run, smallest first (default ${DEFAULT-VALUE}).")
    List<Integer> scaleUsers;

    @Option(
            names = "--cold-job",
            description = "Measure each end-to-end campaign as the first of a job just restored "
                    + "(by default it is the job's second, after an unmeasured campaign to the same users).")
    boolean coldJob;

    @Option(
            names = "--checkpoint-ms",
            defaultValue = "2000",
            description = "The job's checkpoint interval in the end-to-end runs (default ${DEFAULT-VALUE}; "
                    + "the shipped configurations say 10000).")
    long checkpointMs;

    @Option(
            names = "--measured-campaigns",
            defaultValue = "3",
            description = "Campaigns measured in each end-to-end run, one after another in the same job; "
                    + "the run reports the median's figures (default ${DEFAULT-VALUE}).")
    int measuredCampaigns;

    @Option(
            names = "--latencies",
            split = ",",
            defaultValue = "0,50,150",
            paramLabel = "MS",
            description = "Round trips the emulators answer with in the headline end-to-end runs, one run each "
                    + "(default ${DEFAULT-VALUE}; the first 0, whose rate the others are compared with).")
    List<Long> latencies;

    @Option(
            names = "--latency-jitter",
            defaultValue = "0.2",
            description = "How much each round trip varies, as a share of it (default ${DEFAULT-VALUE}: ±20%%).")
    double latencyJitter;

    @Option(
            names = "--limit-requests",
            defaultValue = "200000",
            description = "Requests per client-alone run (default ${DEFAULT-VALUE}).")
    int limitRequests;

    @Option(names = "--estimate-users", defaultValue = "4000000", description = "Users for estimate mode; 0 skips it.")
    int estimateUsers;

    @Option(
            names = "--device-users",
            defaultValue = "870000",
            description = "Users for the device-state bench; 0 skips it.")
    int deviceUsers;

    @Option(
            names = "--first-fires",
            defaultValue = "7",
            description = "Fires timed to their first notification, after one warm-up (default ${DEFAULT-VALUE}).")
    int firstFires;

    @Option(
            names = "--crash-users",
            defaultValue = "200000",
            description = "Users for the crash and stop runs on a real cluster; 0 skips them.")
    int crashUsers;

    @Option(
            names = "--state-cache",
            defaultValue = ".herald/bench",
            description = "Where bootstrapped users are kept between runs (default ${DEFAULT-VALUE}).")
    Path stateCache;

    @Option(names = "--peer-heap", defaultValue = "8g", description = "Heap of the Kafka and emulators JVM.")
    String peerHeap;

    @Option(
            names = "--jdk-client",
            description = "Also measure the JDK HttpClient alone to the FCM emulator, "
                    + "for comparison (minutes at its speed; off by default).")
    boolean jdkClient;

    @Option(
            names = "--report",
            defaultValue = "bench-report.html",
            paramLabel = "FILE.html",
            description = "Where to write the HTML report with charts (default ${DEFAULT-VALUE}).")
    Path report;

    @Option(names = "--out", defaultValue = "BENCHMARKS.md", description = "Where to write the tables.")
    Path out;

    private static final int RUNS = 3;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> json = new LinkedHashMap<>();
        StringBuilder table = new StringBuilder();
        List<EndToEndBench.Result> endToEnd = new ArrayList<>();
        Path dir = Files.createTempDirectory("herald-bench-");
        try (BenchPeer peer = BenchPeer.start(dir.resolve("peer"), stateCache, 2, peerHeap)) {
            HeraldConfig config = HeraldConfig.read(peer.configFile());
            try (KafkaIO kafka = new KafkaIO(config.kafka.bootstrapServers)) {
                // 1. The limit: each client alone, warmed up, then alternated RUNS times; medians.
                int limitUsers = 20_000;
                peer.users(limitUsers);
                SyntheticUsers limitPopulation =
                        SyntheticUsers.generate(limitUsers, 42, 0.02).phonesOnly();
                ClientLimits limits = new ClientLimits(
                        config,
                        liveTokens(limitPopulation, Platform.IOS),
                        liveTokens(limitPopulation, Platform.ANDROID));
                // Warmed up as long as measured: a shorter warm-up left the first measured runs cold
                // (a third below the others once the JDK client's runs no longer sat between them).
                for (int warmUp = 0; warmUp < 2; warmUp++) {
                    limits.pushy(limitRequests);
                    limits.fcmNetty(limitRequests);
                    if (jdkClient) {
                        limits.fcmJdk(limitRequests / 4);
                    }
                }
                List<Long> apns = new ArrayList<>();
                List<Long> fcm = new ArrayList<>();
                List<Long> fcmJdk = new ArrayList<>();
                // CPU per request of each client alone: this JVM's (the client's) and the peer's.
                long[] apnsCpu = new long[2];
                long[] fcmCpu = new long[2];
                for (int run = 0; run < RUNS; run++) {
                    long[] at = {EndToEndBench.processCpuNanos(), peer.cpuNanos()};
                    apns.add(Math.round(limits.pushy(limitRequests)));
                    at = addCpu(apnsCpu, at, peer);
                    fcm.add(Math.round(limits.fcmNetty(limitRequests)));
                    addCpu(fcmCpu, at, peer);
                    if (jdkClient) {
                        fcmJdk.add(Math.round(limits.fcmJdk(limitRequests)));
                    }
                    System.out.printf(
                            "limits, run %d: Pushy %,d/s, FCM (Netty) %,d/s%s%n",
                            run + 1,
                            apns.get(run),
                            fcm.get(run),
                            jdkClient ? String.format(", FCM (JDK HttpClient) %,d/s", fcmJdk.get(run)) : "");
                }
                double requests = RUNS * limitRequests * 1000.0; // nanoseconds to microseconds per request
                System.out.printf(
                        "limits, CPU per request: Pushy %.1f µs, its peer %.1f µs; FCM (Netty) %.1f µs, "
                                + "its peer %.1f µs%n",
                        apnsCpu[0] / requests, apnsCpu[1] / requests, fcmCpu[0] / requests, fcmCpu[1] / requests);
                long limitApns = median(apns);
                long limitFcm = median(fcm);
                json.put("limit_apns_per_s", limitApns);
                json.put("limit_fcm_per_s", limitFcm);
                if (jdkClient) {
                    json.put("limit_fcm_jdk_per_s", median(fcmJdk));
                }

                // 2, 3, 6. End to end, smallest first; a first small run warms the JVM up.
                EndToEndBench e2e = new EndToEndBench(peer, kafka, !coldJob, checkpointMs, measuredCampaigns);
                e2e.run(scaleUsers.get(0), "bench-warm-up");
                Map<Integer, EndToEndBench.Result> byUsers = new LinkedHashMap<>();
                List<Integer> sizes = new ArrayList<>(scaleUsers);
                if (!sizes.contains(e2eUsers)) {
                    sizes.add(e2eUsers);
                }
                sizes.sort(null);
                for (int users : sizes) {
                    EndToEndBench.Result r = e2e.run(users, "bench-" + users);
                    byUsers.put(users, r);
                    endToEnd.add(r);
                    System.out.printf(
                            "end to end, %,d devices: %,d delivered, last ack %,d ms after the fire "
                                    + "(p50 %,d ms, p99 %,d ms), %,.0f/s (median of %s/s), %.1f µs CPU each (peer %.1f µs), "
                                    + "peak RSS %,d MB%n",
                            r.devices,
                            r.delivered,
                            r.fireToLastAckMs,
                            r.p50Ms,
                            r.p99Ms,
                            r.perSecond(),
                            rates(r.campaignRates),
                            r.cpuMicrosPerNotification(),
                            r.peerCpuMicrosPerNotification(),
                            r.peakRssMb);
                }
                EndToEndBench.Result headline = byUsers.get(e2eUsers);
                // The headline again with the emulators answering later, as real providers do (20 to
                // 200 ms): the rate each holds, as a share of the zero-latency run's.
                Map<Long, EndToEndBench.Result> byLatency = new LinkedHashMap<>();
                for (long ms : latencies) {
                    if (ms == 0) {
                        byLatency.put(ms, headline);
                        continue;
                    }
                    peer.latency(ms, latencyJitter);
                    try {
                        EndToEndBench.Result r = e2e.run(e2eUsers, "bench-latency-" + ms);
                        byLatency.put(ms, r);
                        System.out.printf(
                                "end to end at %d ms ±%.0f%%, %,d devices: %,.0f/s (%.2f of 0 ms), p50 %,d ms, "
                                        + "p99 %,d ms, %.1f µs CPU each (peer %.1f µs)%n",
                                ms,
                                latencyJitter * 100,
                                r.devices,
                                r.perSecond(),
                                r.perSecond() / headline.perSecond(),
                                r.p50Ms,
                                r.p99Ms,
                                r.cpuMicrosPerNotification(),
                                r.peerCpuMicrosPerNotification());
                    } finally {
                        peer.latency(0, 0);
                    }
                }
                // Fire to first notification: campaigns created ahead, fired one at a time.
                List<Long> firsts =
                        firstFires > 0 ? e2e.fireToFirstNotification(scaleUsers.get(0), firstFires) : List.of();
                long firstMedian = firsts.isEmpty() ? -1 : median(firsts);
                if (!firsts.isEmpty()) {
                    json.put("fire_to_first_notification_ms", firstMedian);
                    System.out.printf("fire to first notification: %s ms, median %d ms%n", firsts, firstMedian);
                }
                SyntheticUsers mix = SyntheticUsers.generate(Math.min(e2eUsers, 100_000), 42, 0.02)
                        .phonesOnly();
                double iosShare = liveTokens(mix, Platform.IOS).size()
                        / (double) (liveTokens(mix, Platform.IOS).size()
                                + liveTokens(mix, Platform.ANDROID).size());
                // The clients alone, sending the same mix one after the other: the rate to beat.
                double limitMix = 1 / (iosShare / limitApns + (1 - iosShare) / limitFcm);
                json.put("limit_mix_per_s", Math.round(limitMix));
                json.put("e2e_devices", headline.devices);
                json.put("e2e_per_s", Math.round(headline.perSecond()));
                json.put("e2e_campaigns_per_s", headline.campaignRates);
                json.put("ratio_to_limit", Math.round(headline.perSecond() / limitMix * 100) / 100.0);
                json.put("fire_to_last_ack_ms", headline.fireToLastAckMs);
                json.put("p50_ms", headline.p50Ms);
                json.put("p99_ms", headline.p99Ms);
                json.put("cpu_us_per_notification", Math.round(headline.cpuMicrosPerNotification() * 10) / 10.0);
                json.put(
                        "peer_cpu_us_per_notification",
                        Math.round(headline.peerCpuMicrosPerNotification() * 10) / 10.0);
                json.put("peak_rss_mb", headline.peakRssMb);
                Map<String, Long> atLatency = new LinkedHashMap<>();
                byLatency.forEach((ms, r) -> atLatency.put(String.valueOf(ms), Math.round(r.perSecond())));
                json.put("rate_at_latency_ms", atLatency);
                if (byLatency.containsKey(150L)) {
                    json.put(
                            "latency_ratio_150",
                            Math.round(byLatency.get(150L).perSecond() / headline.perSecond() * 100) / 100.0);
                }
                Map<String, Long> scale = new LinkedHashMap<>();
                byUsers.forEach((users, r) -> scale.put(String.valueOf(r.devices), r.fireToLastAckMs));
                json.put("scale_fire_to_last_ack_ms", scale);

                table.append(String.format("## Herald end to end (`./herald bench`)%n%n%s%n%n", machine()));
                table.append(String.format(
                        "Kafka and both emulators run in a second JVM; the job runs alone in this one. "
                                + "Job parallelism %d, %d APNs and %d FCM connections and %,d requests in flight per instance. "
                                + "Limits: median of %d runs of %,d requests each, after a warm-up, alternating.%n%n",
                        config.parallelism,
                        config.delivery.apnsConnections,
                        config.delivery.fcmConnections,
                        config.delivery.maxInFlight,
                        RUNS,
                        limitRequests));
                table.append(String.format("| measure | value | goal |%n|---|---|---|%n"));
                table.append(String.format("| limit: Pushy alone to the APNs emulator | %,d/s | |%n", limitApns));
                table.append(String.format(
                        "| limit: Herald's Netty HTTP/2 client alone to the FCM emulator | %,d/s | |%n", limitFcm));
                if (jdkClient) {
                    table.append(String.format(
                            "| for comparison: the JDK HttpClient (HTTP/2) alone to the FCM emulator | %,d/s | |%n",
                            median(fcmJdk)));
                }
                table.append(String.format(
                        "| limit for the campaign's mix (%.0f%% iOS), each client alone in turn | %,.0f/s | |%n",
                        iosShare * 100, limitMix));
                table.append(String.format(
                        "| end to end, %,d devices (%,d delivered): notifications per second, median of "
                                + "%d campaigns (each: %s/s) | %,.0f/s | |%n",
                        headline.devices,
                        headline.delivered,
                        headline.campaignRates.size(),
                        rates(headline.campaignRates),
                        headline.perSecond()));
                table.append(String.format("| ratio to the limit | %.2f | ≥ 0.7 |%n", headline.perSecond() / limitMix));
                table.append(String.format("| fire to last ack | %,d ms | |%n", headline.fireToLastAckMs));
                table.append(
                        String.format("| fire to ack, p50 / p99 | %,d / %,d ms | |%n", headline.p50Ms, headline.p99Ms));
                if (!firsts.isEmpty()) {
                    table.append(String.format(
                            "| fire to first notification, median of %d fires (campaigns created ahead, "
                                    + "%,d users; each: %s ms) | %,d ms | ≤ 100 ms |%n",
                            firsts.size(), scaleUsers.get(0), firsts, firstMedian));
                }
                table.append(String.format(
                        "| job JVM CPU time per notification | %.1f µs | ≤ 25 µs |%n",
                        headline.cpuMicrosPerNotification()));
                table.append(String.format(
                        "| peer JVM (Kafka, both emulators) CPU time per notification, end to end | %.1f µs | |%n",
                        headline.peerCpuMicrosPerNotification()));
                table.append(String.format(
                        "| CPU time per request of each client alone (the limit's runs): Pushy / its peer; "
                                + "FCM client / its peer | %.1f / %.1f µs; %.1f / %.1f µs | |%n",
                        apnsCpu[0] / requests, apnsCpu[1] / requests, fcmCpu[0] / requests, fcmCpu[1] / requests));
                table.append(String.format(
                        "| job JVM peak resident memory (from job start) | %,d MB | |%n", headline.peakRssMb));
                if (byLatency.size() > 1) {
                    table.append(String.format(
                            "%n%,d devices with the emulators answering later (each stretch of answers within "
                                    + "±%.0f%% of the round trip), each rate as a share of the zero-latency run's:%n%n"
                                    + "| round trip | per second | share of 0 ms | goal | p50 | p99 | CPU per notification "
                                    + "| peer CPU per notification |%n|---|---|---|---|---|---|---|---|%n",
                            headline.devices, latencyJitter * 100));
                    byLatency.forEach((ms, r) -> table.append(String.format(
                            "| %d ms | %,.0f | %.2f | %s | %,d ms | %,d ms | %.1f µs | %.1f µs |%n",
                            ms,
                            r.perSecond(),
                            r.perSecond() / headline.perSecond(),
                            ms == 150 ? "≥ 0.9" : "",
                            r.p50Ms,
                            r.p99Ms,
                            r.cpuMicrosPerNotification(),
                            r.peerCpuMicrosPerNotification())));
                }
                table.append(String.format(
                        "%n| devices | delivered | fire to last ack | per second | p50 | p99 | CPU per notification "
                                + "| peer CPU per notification |%n|---|---|---|---|---|---|---|---|%n"));
                for (EndToEndBench.Result r : byUsers.values()) {
                    table.append(String.format(
                            "| %,d | %,d | %,d ms | %,.0f | %,d ms | %,d ms | %.1f µs | %.1f µs |%n",
                            r.devices,
                            r.delivered,
                            r.fireToLastAckMs,
                            r.perSecond(),
                            r.p50Ms,
                            r.p99Ms,
                            r.cpuMicrosPerNotification(),
                            r.peerCpuMicrosPerNotification()));
                }
            }
        } finally {
            TempDirs.deleteQuietly(dir);
        }
        replaceSection(out, "## Herald end to end", table.toString());

        // 4. Estimate mode, and 5. device state; each writes its own section.
        if (estimateUsers > 0) {
            EstimateBench estimate = new EstimateBench();
            estimate.users = estimateUsers;
            estimate.runs = RUNS;
            estimate.parallelism = 2;
            estimate.stateCache = stateCache;
            estimate.out = out;
            Map<String, Object> r = estimate.measure();
            json.put("estimate_users_per_s", r == null ? null : r.get("estimate_users_per_s"));
        }
        if (crashUsers > 0) {
            CrashBench crash = new CrashBench();
            crash.users = crashUsers;
            crash.afterMs = 6_000;
            crash.out = out;
            Map<String, Object> r = crash.measure();
            json.put("crash_duplicates", r.get("crash_duplicates"));
            json.put("crash_lost", r.get("crash_lost"));
            json.put("stop_duplicates", r.get("stop_duplicates"));
            json.put("stop_ms", r.get("stop_ms"));
        }
        if (deviceUsers > 0) {
            DeviceBench devices = new DeviceBench();
            devices.users = deviceUsers;
            devices.out = out;
            Map<String, Object> r = devices.measure();
            json.put("bytes_per_device", r == null ? null : r.get("bytes_per_device"));
            json.put("device_events_per_s", r == null ? null : r.get("device_events_per_s"));
        }
        BenchReport.page(json, endToEnd, machine()).write(report);
        System.out.println("Report written to " + report.toAbsolutePath());
        System.out.println(new ObjectMapper().writeValueAsString(json));
        return 0;
    }

    private static List<String> liveTokens(SyntheticUsers users, Platform platform) {
        List<String> tokens = new ArrayList<>();
        for (SyntheticUsers.Device d : users.devices()) {
            if (d.platform == platform && !d.deadToken) {
                tokens.add(d.token);
            }
        }
        return tokens;
    }

    /** Adds this JVM's and the peer's CPU time since {@code from} to {@code into}; returns the times now. */
    private static long[] addCpu(long[] into, long[] from, BenchPeer peer) {
        long[] now = {EndToEndBench.processCpuNanos(), peer.cpuNanos()};
        into[0] += now[0] - from[0];
        into[1] += now[1] - from[1];
        return now;
    }

    /**
     * A savepoint holding {@code users} synthetic users (seed 42), bootstrapped on first use and kept
     * under {@code cache}.
     */
    static Path usersSavepoint(Path cache, int users) throws Exception {
        // Named by the state's encodings and storage: a savepoint of another is not this job's state,
        // or would not measure it.
        Path dir = cache.toAbsolutePath()
                .resolve("users-" + users + "-state-v" + UserStateSerializer.VERSION + "-claims-v1-zstd");
        Path savepoint = dir.resolve("savepoint");
        if (Files.exists(savepoint.resolve("_metadata"))) {
            System.out.println("Using the users bootstrapped in " + savepoint);
            return savepoint;
        }
        TempDirs.deleteQuietly(dir);
        Files.createDirectories(dir);
        SyntheticUsers population = SyntheticUsers.generate(users, 42, 0.02).phonesOnly();
        Path export = writeExport(population, SyntheticUsers.registrationVersion(), dir.resolve("devices.jsonl"));
        System.out.printf(
                "Bootstrapping %,d users (%,d devices) into %s ...%n",
                users, population.devices().size(), savepoint);
        DeviceBootstrap.Result r =
                DeviceBootstrap.run(export.toString(), savepoint.toString(), Duration.ofDays(270), 2);
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

    /** Rates as the tables show them: [63,352, 63,255, 66,757]. */
    static String rates(List<Long> values) {
        return values.stream().map(v -> String.format("%,d", v)).collect(Collectors.joining(", ", "[", "]"));
    }

    static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }

    /** The machine line every table starts with. */
    static String machine() {
        return String.format(
                "Machine: %d cores, %s %s, Java %s (%s); %s.",
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"),
                System.getProperty("os.arch"),
                System.getProperty("java.version"),
                System.getProperty("java.vm.name"),
                LocalDate.now());
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
