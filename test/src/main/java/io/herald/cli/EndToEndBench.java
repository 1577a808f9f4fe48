package io.herald.cli;

import com.sun.management.OperatingSystemMXBean;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.config.HeraldConfig;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;

/**
 * One end-to-end run: the job, alone in this JVM, starts from a savepoint holding the users, and a
 * campaign to all of them is fired; it ends when the emulators (in the {@link BenchPeer}) have
 * accepted a notification for every device that should get one. Measures the rate, the fire-to-ack
 * times the emulators saw, the job JVM's CPU time over the campaign, and its peak resident memory.
 */
final class EndToEndBench {
    /** What one run measured. */
    static final class Result {
        long users;
        long devices;
        long delivered;
        long fireToLastAckMs;
        long p50Ms;
        long p99Ms;
        long cpuMs;
        /** The peer's (Kafka's and the emulators') CPU time over the same span. */
        long peerCpuMs;

        long peakRssMb;
        /** What each emulator accepted per tenth of a second after the fire: APNs, then FCM. */
        long[][] arrivalsPer100Ms;
        /** The rate of every measured campaign of the run, in order; this result is their median's. */
        List<Long> campaignRates = List.of();

        double perSecond() {
            return delivered * 1000.0 / Math.max(1, fireToLastAckMs);
        }

        double cpuMicrosPerNotification() {
            return cpuMs * 1000.0 / Math.max(1, delivered);
        }

        double peerCpuMicrosPerNotification() {
            return peerCpuMs * 1000.0 / Math.max(1, delivered);
        }
    }

    private final BenchPeer peer;
    private final KafkaIO kafka;

    /**
     * Whether the measured campaign is the job's second: the first, to the same users and unmeasured,
     * warms the job up. Otherwise it is the first campaign of a job just restored.
     */
    private final boolean warmJob;

    private final long checkpointMs;

    /** Campaigns measured per run, one after another in the same job; the run reports their median. */
    private final int measuredCampaigns;

    EndToEndBench(BenchPeer peer, KafkaIO kafka, boolean warmJob, long checkpointMs, int measuredCampaigns) {
        if (measuredCampaigns < 1) {
            throw new IllegalArgumentException("at least one campaign is measured");
        }
        this.peer = peer;
        this.kafka = kafka;
        this.warmJob = warmJob;
        this.checkpointMs = checkpointMs;
        this.measuredCampaigns = measuredCampaigns;
    }

    Result run(int users, String campaignId) throws Exception {
        String savepoint = peer.savepoint(users);
        long[] population = peer.users(users);
        HeraldConfig config = HeraldConfig.read(peer.configFile());
        benchSettings(config);

        resetPeakRss();
        Configuration cluster = new Configuration();
        cluster.set(RestOptions.PORT, 0);
        JobClient job = HeraldMain.startEmbedded(config, cluster, savepoint);
        String warmUp = campaignId + "-warm-up";
        try (CampaignWatcher watcher = kafka.watch(campaignId, config.topics.receipts, config.topics.campaignStatus)) {
            // The creates go first and the run starts once they are accepted: the job is up and restored.
            if (warmJob) {
                kafka.send(config.topics.campaigns, warmUp, DemoCampaign.create(warmUp, DemoCampaign.ALL));
            }
            for (int k = 0; k < measuredCampaigns; k++) {
                String id = measuredId(campaignId, k);
                kafka.send(config.topics.campaigns, id, DemoCampaign.create(id, DemoCampaign.ALL));
            }
            kafka.flush();
            long deadline = System.currentTimeMillis() + Duration.ofMinutes(15).toMillis();
            while (watcher.statuses().stream()
                    .noneMatch(n -> "accepted".equals(n.path("status").asText()))) {
                if (System.currentTimeMillis() > deadline || job.getJobStatus().get() == JobStatus.FAILED) {
                    throw new IllegalStateException(
                            "campaign " + campaignId + " was not accepted: " + watcher.rejection());
                }
                watcher.poll(Duration.ofMillis(200));
            }
        }

        long expected = population[1];
        if (warmJob) {
            // A job serves campaign after campaign: the one measured comes to a job that has run, with
            // its code compiled for this job's own operators and producers and its block cache in use.
            // (Each new job in a warm JVM still recompiled much: 20% of the job JVM's CPU went to the
            // JIT's threads during a measured run that followed a run of the same size.)
            peer.arm();
            kafka.send(config.topics.campaigns, warmUp, DemoCampaign.fire(warmUp));
            kafka.flush();
            awaitDelivered(expected, "the warm-up campaign " + warmUp);
        }
        // The machine is noisy: one campaign's rate differs from the next one's in the same job by a
        // few per cent, so several are measured, one after another, and the median reported.
        List<Result> measured = new ArrayList<>();
        for (int k = 0; k < measuredCampaigns; k++) {
            Result r = measure(config, measuredId(campaignId, k), expected);
            r.users = users;
            r.devices = population[0];
            measured.add(r);
        }
        List<Long> rates = measured.stream().map(m -> Math.round(m.perSecond())).toList();
        measured.sort(Comparator.comparingDouble(Result::perSecond));
        Result median = measured.get(measured.size() / 2);
        median.campaignRates = rates;
        median.peakRssMb = peakRssMb();
        // Two checkpoint intervals, so that the job commits its read position past this campaign and
        // the next run's job does not fire it again.
        Thread.sleep(2 * config.checkpointing.intervalMs + 1000);
        job.cancel().get();
        return median;
    }

    private static String measuredId(String campaignId, int k) {
        return k == 0 ? campaignId : campaignId + "-" + (k + 1);
    }

    /** Fires {@code campaignId} and measures it to its last expected delivery. */
    private Result measure(HeraldConfig config, String campaignId, long expected) throws Exception {
        Result r = new Result();
        peer.arm();
        long cpuBefore = processCpuNanos();
        long peerCpuBefore = peer.cpuNanos();
        kafka.send(config.topics.campaigns, campaignId, DemoCampaign.fire(campaignId));
        kafka.flush();
        r.delivered = awaitDelivered(expected, campaignId);
        r.cpuMs = (processCpuNanos() - cpuBefore) / 1_000_000;
        r.peerCpuMs = (peer.cpuNanos() - peerCpuBefore) / 1_000_000;
        long[] stats = peer.arrivalStats();
        r.p50Ms = stats[1];
        r.p99Ms = stats[2];
        r.fireToLastAckMs = stats[3];
        r.arrivalsPer100Ms = peer.arrivalSeries(100);
        return r;
    }

    /**
     * Fire to first notification: campaigns to the {@code users} of a bootstrapped savepoint, created
     * ahead, then fired one at a time (each to its end before the next); for each, the time from the
     * fire record to the first notification either emulator accepted. The first fire warms up (and
     * opens the providers' connections); the others are returned, in order.
     */
    List<Long> fireToFirstNotification(int users, int fires) throws Exception {
        String savepoint = peer.savepoint(users);
        long expected = peer.users(users)[1];
        HeraldConfig config = HeraldConfig.read(peer.configFile());
        benchSettings(config);
        Configuration cluster = new Configuration();
        cluster.set(RestOptions.PORT, 0);
        JobClient job = HeraldMain.startEmbedded(config, cluster, savepoint);
        List<Long> firstMs = new ArrayList<>();
        try {
            String prefix = "first-" + System.currentTimeMillis() + "-";
            try (CampaignWatcher watcher =
                    kafka.watch(prefix + fires, config.topics.receipts, config.topics.campaignStatus)) {
                for (int i = 0; i <= fires; i++) {
                    kafka.send(config.topics.campaigns, prefix + i, DemoCampaign.create(prefix + i, DemoCampaign.ALL));
                }
                kafka.flush();
                long deadline =
                        System.currentTimeMillis() + Duration.ofMinutes(15).toMillis();
                while (watcher.statuses().stream()
                        .noneMatch(n -> "accepted".equals(n.path("status").asText()))) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("campaigns were not accepted");
                    }
                    watcher.poll(Duration.ofMillis(200));
                }
            }
            for (int i = 0; i <= fires; i++) {
                long fireAt = peer.arm();
                kafka.send(config.topics.campaigns, prefix + i, DemoCampaign.fire(prefix + i));
                kafka.flush();
                long deadline = fireAt + Duration.ofMinutes(10).toMillis();
                while (peer.delivered() < expected) {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("fire " + i + " did not finish in 10 minutes");
                    }
                    Thread.sleep(50);
                }
                long first = peer.arrivalStats()[4];
                System.out.printf("  fire %d: first notification %d ms after the fire%n", i, first);
                if (i > 0) {
                    firstMs.add(first);
                }
            }
            Thread.sleep(2 * config.checkpointing.intervalMs + 1000);
        } finally {
            job.cancel().get();
        }
        return firstMs;
    }

    /**
     * The sandbox's settings, but for two: the FCM project gets no quota (the bench measures Herald,
     * not FCM's default 600,000 a minute, which would cap it at 10,000 a second), and checkpoints come
     * every 2 s, as in every earlier bench run (the sandbox checkpoints every second for its demo).
     */
    /** Polls the emulators' count since the last arm until {@code expected}; fails after 40 minutes. */
    private long awaitDelivered(long expected, String what) throws Exception {
        long deadline = System.currentTimeMillis() + Duration.ofMinutes(40).toMillis();
        long last = -1;
        long delivered;
        while ((delivered = peer.delivered()) < expected) {
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(
                        what + ": only " + delivered + " of " + expected + " delivered in 40 minutes");
            }
            if (delivered / 100_000 != last / 100_000) {
                System.out.printf("  %s: %,d of %,d delivered%n", what, delivered, expected);
                last = delivered;
            }
            Thread.sleep(100);
        }
        return delivered;
    }

    private void benchSettings(HeraldConfig config) {
        config.apps.forEach(a -> a.fcm.maxPerMinute = Integer.MAX_VALUE);
        config.checkpointing.intervalMs = checkpointMs;
    }

    static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Linux: writing 5 to clear_refs starts the peak resident set (VmHWM) again from now. */
    private static void resetPeakRss() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (Exception e) {
            // Not Linux, or not allowed: the peak then covers the whole process.
        }
    }

    private static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }
}
