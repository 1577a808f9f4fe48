package io.herald.cli;

import io.herald.apns.ApnsApp;
import io.herald.apns.channels.ApnsChannels;
import io.herald.apns.channels.StoragePolicy;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.LiveActivityLog;
import io.herald.sandbox.LiveScoreScenario;
import io.herald.sandbox.Sandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The sandbox's live score at scale ({@link LiveScoreScenario}): a Live Activity started for every
 * fan with a push-to-start token, then updates and an end as one APNs broadcast each, counted per
 * device at the APNs emulator; the start timed from its fire to its last receipt, each broadcast
 * from its record to the last device the emulator's fan-out reached.
 */
@Command(
        name = "livescore",
        mixinStandardHelpOptions = true,
        description = "Live Activities: start for every fan, broadcast updates and an end, counted per device.")
final class LiveScoreBench extends SectionBench {
    private static final Duration WAIT = Duration.ofMinutes(10);
    private static final String ACTIVITY = "bench-match";

    @Option(
            names = "--users",
            defaultValue = "100000",
            description = "Fans, one iPhone each (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--updates",
            defaultValue = "10",
            description = "Broadcast updates before the end (default ${DEFAULT-VALUE}).")
    int updates;

    @Override
    Map<String, Object> measure() throws Exception {
        Path dir = Files.createTempDirectory("herald-livescore-bench-");
        try (Sandbox sandbox = Sandbox.start(dir, 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            sandbox.keepPayloads(false);
            LiveScoreScenario match = new LiveScoreScenario(sandbox, kafka, ACTIVITY);
            JobClient job = HeraldMain.startEmbedded(sandbox.config(), 0, null);
            try {
                if (!match.loadDevices(users, 2026, WAIT)) {
                    throw new IllegalStateException("the job did not take in the devices in " + WAIT);
                }
                ApnsApp app = sandbox.config().apnsApps().get(0);
                String channel;
                try (ApnsChannels channels = ApnsChannels.forApp(app)) {
                    channel = channels.create(app.topic, StoragePolicy.MOST_RECENT_MESSAGE_STORED)
                            .get(30, TimeUnit.SECONDS);
                }
                long fired = System.currentTimeMillis();
                long startMs;
                long startTargeted;
                try (CampaignWatcher start =
                        match.run("bench-kickoff", match.startCampaign("bench-kickoff", channel), WAIT)) {
                    if (start == null) {
                        throw new IllegalStateException("the start did not end in " + WAIT);
                    }
                    startMs = System.currentTimeMillis() - fired;
                    startTargeted = start.targeted();
                }
                List<Long> times = new ArrayList<>();
                for (int i = 1; i <= updates + 1; i++) {
                    boolean end = i > updates;
                    long ms = match.timedBroadcast(
                            end ? "bench-full-time" : "bench-update-" + i, end, i / 3, i / 4, i * 8, WAIT);
                    if (ms < 0) {
                        throw new IllegalStateException("broadcast " + i + " did not arrive in " + WAIT);
                    }
                    times.add(ms);
                    System.out.printf("%s: record to last device %,d ms%n", end ? "end" : "update " + i, ms);
                }
                LiveActivityLog.Summary seen = sandbox.liveActivities().summary(ACTIVITY);
                int live = match.startTokens().size();
                boolean exact = seen.devicesStarted() == live
                        && seen.starts() == live
                        && seen.devicesWithUpdates(updates) == live
                        && seen.duplicateUpdates() == 0
                        && seen.devicesEnded() == live
                        && seen.ends() == live
                        && seen.devicesWithoutStart() == 0;
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("phones", match.phones());
                r.put("push_to_start_tokens_live", live);
                r.put("start_targeted", startTargeted);
                r.put("start_fire_to_last_receipt_ms", startMs);
                r.put("devices_started", seen.devicesStarted());
                r.put("devices_with_all_updates", seen.devicesWithUpdates(updates));
                r.put("duplicate_updates", seen.duplicateUpdates());
                r.put("devices_ended", seen.devicesEnded());
                r.put("broadcast_record_to_last_device_ms", times);
                r.put("broadcast_median_ms", BenchCommand.median(times));
                r.put("exact", exact);
                String section = String.format(
                        "## Live score (`./herald bench livescore`)%n%n" + BenchCommand.machine()
                                + "%n%nThe sandbox's live score: the job on a MiniCluster (parallelism 2, RocksDB) with"
                                + " Kafka and the emulators in one process. %,d fans with an iPhone each, %,d of them with a"
                                + " push-to-start token APNs knows (a tenth have none, a fiftieth of the rest a dead one)."
                                + " One campaign starts the activity, personalised per fan, naming the match's broadcast"
                                + " channel; then %d updates and an end go as one broadcast request each, which the APNs"
                                + " emulator fans out to every subscribed device and counts per device.%n%n"
                                + "| what | figure |%n|---|---|%n"
                                + "| start: create and fire records to last receipt | %,d ms (%,d targeted) |%n"
                                + "| devices started, once each | %,d |%n"
                                + "| devices with all %d updates / duplicates | %,d / %,d |%n"
                                + "| devices ended | %,d |%n"
                                + "| a broadcast, record to last device (median; each) | %,d ms; %s |%n"
                                + "| every count exact | %s |%n%n"
                                + "A broadcast's time is the job's (the record read, the fire, one request through the"
                                + " APNs delivery) and the emulator's fan-out loop over the subscribed devices; real APNs's"
                                + " own fan-out to phones is not in it. Device by device, each update would be another"
                                + " walk and a push per device, as long as the start's.%n",
                        match.phones(),
                        live,
                        updates,
                        startMs,
                        startTargeted,
                        seen.devicesStarted(),
                        updates,
                        seen.devicesWithUpdates(updates),
                        seen.duplicateUpdates(),
                        seen.devicesEnded(),
                        r.get("broadcast_median_ms"),
                        times,
                        exact ? "yes" : "NO");
                BenchCommand.replaceSection(out, "## Live score", section);
                if (!exact) {
                    throw new IllegalStateException("the devices did not see the match exactly once: " + seen);
                }
                return r;
            } finally {
                job.cancel().get();
            }
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }
}
