package io.herald.e2e.migration;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.herald.e2e.migration.MigrationScenario.Device;
import io.herald.e2e.migration.MigrationScenario.Group;
import io.herald.job.HeraldJob;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.config.HeraldConfig;
import io.herald.kafka.AnswerLog;
import io.herald.model.Answer;
import io.herald.model.Outcome;
import io.herald.model.StatusKind;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.util.EnvironmentInformation;

/**
 * Makes a migration snapshot: runs the job of this checkout on the sandbox (a real Kafka broker,
 * both emulators, a MiniCluster with RocksDB), brings it into the state {@link MigrationScenario}
 * describes, stops it with a savepoint in the middle of a campaign, and writes into one folder
 * everything a later version needs to restore that savepoint against a fresh broker and emulators:
 *
 * <ul>
 *   <li>{@code savepoint/savepoint-…/}: the savepoint (canonical format), as Flink wrote it;
 *   <li>{@code topics/}: every record of the topics the job reads (devices, audiences, campaigns,
 *       answers, campaign-status) with its partition, offset, timestamp and whether it was committed
 *       ({@link TopicDump});
 *   <li>{@code devices.jsonl}: each device (token, platform, zone, opt-in, group) and what the
 *       emulators had counted for it when the job stopped;
 *   <li>{@code herald.yaml}: the job's configuration as run (paths and ports are the sandbox's, gone
 *       now; the restore takes the settings from it and the rest from its own sandbox);
 *   <li>{@code scenario.json}: when, with which commit and Flink version, the campaigns' ids and
 *       times, what was counted at each step.
 * </ul>
 *
 * <p>Run it from a checkout of the version to snapshot, after {@code ./mvnw -DskipTests package}:
 * <pre>
 * java $ADD_OPENS -cp test/target/test-classes:test/target/classes:$(cat test/target/classpath.txt) \
 *     io.herald.e2e.migration.MigrationSnapshotGenerator test/src/test/resources/migration/herald-X.Y-name
 * </pre>
 * See {@code test/src/test/resources/migration/README.md}. It fails (and writes nothing) if a step
 * does not come out as planned: the stop must fall in the middle of the walk, before the local-time
 * moment.
 */
public final class MigrationSnapshotGenerator {
    static final int USERS = 300;
    static final long SEED = 2026;
    static final int PARALLELISM = 2;
    /** Slow enough that the walk of about 240 devices takes 20 seconds or more. */
    static final int STOPPED_RATE = 10;
    /** The local-time campaign's moment in UTC, after its creation: well after the stop. */
    static final int LOCAL_LEAD_SECONDS = 60;

    static final Duration WAIT = Duration.ofMinutes(3);
    static final List<String> TOPICS_READ = List.of("devices", "audiences", "campaigns", "answers", "campaign-status");

    private MigrationSnapshotGenerator() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: MigrationSnapshotGenerator <output folder, e.g. "
                    + "test/src/test/resources/migration/herald-0.1-session9>");
            System.exit(2);
        }
        Path out = Path.of(args[0]).toAbsolutePath();
        if (Files.exists(out)) {
            throw new IllegalStateException(out + " exists: a snapshot is never overwritten; name a new folder");
        }
        Path work = Files.createTempDirectory("herald-migration-");
        int exit = 0;
        try {
            Path staged = work.resolve("out");
            generate(work, staged, out.getFileName().toString());
            Files.createDirectories(out.getParent());
            copyTree(staged, out);
            System.out.println("Snapshot written to " + out);
        } catch (Throwable t) {
            t.printStackTrace();
            exit = 1;
        } finally {
            deleteTree(work); // the broker's logs, the checkpoints, the sandbox's fresh credentials
        }
        System.exit(exit); // the emulators' and Flink's threads do not end by themselves
    }

    static void generate(Path work, Path out, String name) throws Exception {
        Files.createDirectories(out);
        ObjectNode scenario = new ObjectMapper().createObjectNode();
        try (Sandbox sandbox = Sandbox.start(work.resolve("sandbox"), PARALLELISM);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            HeraldConfig config = sandbox.config();
            HeraldConfig.App app = config.apps.get(0);
            app.frequencyCap = new HeraldConfig.Cap();
            app.frequencyCap.max = MigrationScenario.CAP_MAX;
            app.frequencyCap.window = MigrationScenario.CAP_WINDOW;
            config.replay.resumeCampaignsFiredWithinMs = MigrationScenario.REPLAY_WINDOW_MS;
            config.state.deviceTtlDays = MigrationScenario.DEVICE_TTL_DAYS;
            config.check();
            if (!TOPICS_READ.equals(List.of(
                    config.topics.devices,
                    config.topics.audiences,
                    config.topics.campaigns,
                    config.topics.answers,
                    config.topics.campaignStatus))) {
                throw new IllegalStateException("the topic names changed: update TOPICS_READ");
            }

            SyntheticUsers synthetic = SyntheticUsers.generate(USERS, SEED, 0.0).phonesOnly();
            List<Device> devices = new ArrayList<>();
            long version = SyntheticUsers.registrationVersion();
            List<byte[]> registrations = new ArrayList<>();
            for (SyntheticUsers.Device s : synthetic.devices()) {
                int u = Integer.parseInt(s.userId.substring(1));
                Device d = new Device(
                        s.userId,
                        s.deviceId,
                        s.platform,
                        s.token,
                        s.locale,
                        MigrationScenario.zoneOf(u),
                        s.optIn,
                        MigrationScenario.groupOf(u),
                        0);
                devices.add(d);
                registrations.add(d.registerEvent(s.name, s.streak, version));
                registry(sandbox, d).addLive(d.token());
            }

            JobClient job = HeraldMain.startEmbedded(config, 0, null);
            boolean stopped = false;
            try {
                for (int i = 0; i < devices.size(); i++) {
                    kafka.send(config.topics.devices, devices.get(i).userId(), registrations.get(i));
                }
                kafka.flush();
                require(
                        kafka.awaitConsumed(config.kafka.groupId, config.topics.devices, WAIT, b -> {}),
                        "the job took in the devices");
                log("%d users, %d devices registered", USERS, devices.size());

                // 1. The cap setter, to the CAPPED group, to the end.
                CampaignWatcher capSetter = watch(kafka, config, MigrationScenario.CAP_SETTER);
                kafka.send(config.topics.campaigns, MigrationScenario.CAP_SETTER, MigrationScenario.createCapSetter());
                kafka.send(
                        config.topics.campaigns,
                        MigrationScenario.CAP_SETTER,
                        DemoCampaign.fire(MigrationScenario.CAP_SETTER));
                kafka.flush();
                require(capSetter.awaitDone(WAIT, () -> {}), "the cap setter was sent: " + capSetter.rejection());
                long capped = count(devices, d -> d.group() == Group.CAPPED && d.optIn());
                require(
                        awaitReceived(sandbox, devices, d -> d.group() == Group.CAPPED, capped),
                        "every CAPPED device got the cap setter");
                require(received(sandbox, devices, d -> d.group() != Group.CAPPED) == 0, "nobody else got it");
                log("cap setter: %d delivered", capSetter.outcome("delivered"));
                scenario.put("capSetterDelivered", capSetter.outcome("delivered"));

                // 2. The local-time campaign, due a minute from now in UTC (and passed in Tokyo).
                ZonedDateTime moment = Instant.now()
                        .plusSeconds(LOCAL_LEAD_SECONDS)
                        .truncatedTo(ChronoUnit.SECONDS)
                        .atZone(ZoneOffset.UTC);
                CampaignWatcher local = watch(kafka, config, MigrationScenario.LOCAL_TIME);
                long localCreatedAt = System.currentTimeMillis();
                kafka.send(
                        config.topics.campaigns,
                        MigrationScenario.LOCAL_TIME,
                        MigrationScenario.createLocalTime(
                                moment.toLocalDate().toString(),
                                moment.toLocalTime().toString()));
                kafka.flush();
                require(
                        local.awaitUntil(
                                WAIT,
                                () -> {},
                                () -> !local.statuses(StatusKind.ACCEPTED).isEmpty()),
                        "the local-time campaign was accepted: " + local.rejection());
                long slot = moment.toInstant().toEpochMilli();

                // 3. The stopped campaign, to the `now` tag, paced; stopped a third of the way in.
                long walkExpected = count(devices, d -> d.group() == Group.WALK && d.optIn());
                CampaignWatcher walk = watch(kafka, config, MigrationScenario.STOPPED);
                kafka.send(
                        config.topics.campaigns,
                        MigrationScenario.STOPPED,
                        MigrationScenario.createStopped(STOPPED_RATE));
                kafka.send(
                        config.topics.campaigns,
                        MigrationScenario.STOPPED,
                        DemoCampaign.fire(MigrationScenario.STOPPED));
                kafka.flush();
                require(
                        awaitReceived(sandbox, devices, d -> d.group() == Group.WALK, walkExpected / 3),
                        "a third of the stopped campaign was delivered");
                long stopRequestedAt = System.currentTimeMillis();
                String savepoint = job.stopWithSavepoint(
                                false, work.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
                stopped = true;
                long stoppedAt = System.currentTimeMillis();
                log("stopped with a savepoint in %d ms: %s", stoppedAt - stopRequestedAt, savepoint);

                // What the emulators had when the job stopped, device by device.
                List<Device> atStop = new ArrayList<>();
                for (Device d : devices) {
                    atStop.add(d.withReceivedBeforeStop(registry(sandbox, d).received(d.token())));
                }
                long walkReceived = received(atStop, d -> d.group() == Group.WALK);
                require(
                        walkReceived >= walkExpected / 3 && walkReceived <= walkExpected * 4 / 5,
                        "stopped in the middle of the walk (" + walkReceived + " of " + walkExpected + ")");
                require(atStop.stream().allMatch(d -> d.receivedBeforeStop() <= 1), "nobody got anything twice");
                require(
                        atStop.stream()
                                .filter(d -> d.group() == Group.CAPPED)
                                .allMatch(d -> d.receivedBeforeStop() == (d.optIn() ? 1 : 0)),
                        "the CAPPED group had the cap setter and was held back from the stopped campaign");
                require(
                        received(atStop, d -> d.group() == Group.LOCAL) == 0,
                        "the local-time campaign sent nothing yet");
                require(stoppedAt < slot - 10_000, "stopped at least 10 s before the local-time moment");
                require(
                        atStop.stream().noneMatch(d -> !d.optIn() && d.receivedBeforeStop() > 0),
                        "opted-out devices got nothing");
                local.poll(Duration.ofMillis(500));
                require(local.statuses(StatusKind.FIRED).isEmpty(), "the local-time campaign had not fired");
                walk.poll(Duration.ofMillis(500));
                require(!walk.fanOutComplete(), "the stopped campaign's walk was not over");

                // Answers on record: every delivery before the stop.
                Map<String, Answer> answers = new AnswerLog(
                                sandbox.kafka().bootstrapServers(), config.topics.answers, Map.of())
                        .read(0, a -> true);
                Map<String, Long> answersByCampaign = new TreeMap<>();
                answers.values().forEach(a -> answersByCampaign.merge(a.campaignId, 1L, Long::sum));
                long deliveredBeforeStop =
                        atStop.stream().mapToLong(Device::receivedBeforeStop).sum();
                long deliveredOnRecord = answers.values().stream()
                        .filter(a -> a.outcome == Outcome.DELIVERED)
                        .count();
                require(
                        deliveredOnRecord == deliveredBeforeStop,
                        "every delivery before the stop has its answer on record (" + deliveredOnRecord + " of "
                                + deliveredBeforeStop + ")");
                log(
                        "at the stop: %d of %d WALK devices had the stopped campaign; answers on record %s",
                        walkReceived, walkExpected, answersByCampaign);

                // Everything a restore needs.
                Path savepointDir =
                        Path.of(URI.create(savepoint.startsWith("file:") ? savepoint : "file:" + savepoint));
                Path savepointCopy = out.resolve("savepoint")
                        .resolve(savepointDir.getFileName().toString());
                copyTree(savepointDir, savepointCopy);
                TopicDump.dump(
                        sandbox.kafka().bootstrapServers(), TOPICS_READ, out.resolve("topics"), Duration.ofMinutes(2));
                log("topics: %s", TopicDump.summary(out.resolve("topics")));
                MigrationScenario.writeDevices(out.resolve("devices.jsonl"), atStop);
                new ObjectMapper(new YAMLFactory())
                        .writeValue(out.resolve("herald.yaml").toFile(), config);

                scenario.put("name", name);
                scenario.put("commit", commit());
                scenario.put("flinkVersion", EnvironmentInformation.getVersion());
                scenario.put("generatedAt", Instant.ofEpochMilli(stoppedAt).toString());
                scenario.put("parallelism", PARALLELISM);
                scenario.put("maxParallelism", HeraldJob.MAX_PARALLELISM);
                scenario.put("savepoint", out.relativize(savepointCopy).toString());
                scenario.put("savepointFormat", "CANONICAL");
                scenario.put("stateBackend", "rocksdb");
                scenario.put("users", USERS);
                scenario.put("devices", devices.size());
                scenario.put("seed", SEED);
                ObjectNode campaigns = scenario.putObject("campaigns");
                campaigns.put("capSetter", MigrationScenario.CAP_SETTER);
                campaigns.put("stopped", MigrationScenario.STOPPED);
                campaigns.put("localTime", MigrationScenario.LOCAL_TIME);
                scenario.put("stoppedRatePerSecond", STOPPED_RATE);
                scenario.put("stoppedExpected", walkExpected);
                scenario.put("stoppedDeliveredBeforeStop", walkReceived);
                ObjectNode lt = scenario.putObject("localTime");
                lt.put("date", moment.toLocalDate().toString());
                lt.put("time", moment.toLocalTime().toString());
                lt.put("createdAt", localCreatedAt);
                lt.put("utcMoment", slot);
                lt.put("utcMomentIso", moment.toInstant().toString());
                scenario.put("stopRequestedAt", stopRequestedAt);
                scenario.put("stoppedAt", stoppedAt);
                scenario.put("stopMillis", stoppedAt - stopRequestedAt);
                ObjectNode onRecord = scenario.putObject("answersOnRecord");
                answersByCampaign.forEach(onRecord::put);
                new ObjectMapper()
                        .writerWithDefaultPrettyPrinter()
                        .writeValue(out.resolve("scenario.json").toFile(), scenario);
            } finally {
                if (!stopped) {
                    job.cancel().get();
                }
            }
        }
    }

    private static CampaignWatcher watch(KafkaIO kafka, HeraldConfig config, String campaignId) {
        return kafka.watch(campaignId, config.topics.receipts, config.topics.campaignStatus);
    }

    static TokenRegistry registry(Sandbox sandbox, Device d) {
        return sandbox.tokens(d.platform());
    }

    private static long count(List<Device> devices, Predicate<Device> which) {
        return devices.stream().filter(which).count();
    }

    private static long received(Sandbox sandbox, List<Device> devices, Predicate<Device> which) {
        return devices.stream()
                .filter(which)
                .mapToLong(d -> registry(sandbox, d).received(d.token()))
                .sum();
    }

    private static long received(List<Device> atStop, Predicate<Device> which) {
        return atStop.stream()
                .filter(which)
                .mapToLong(Device::receivedBeforeStop)
                .sum();
    }

    /** Waits until the devices {@code which} selects have received {@code atLeast} in all, up to {@link #WAIT}. */
    private static boolean awaitReceived(Sandbox sandbox, List<Device> devices, Predicate<Device> which, long atLeast)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (received(sandbox, devices, which) < atLeast) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("the snapshot did not come out as planned: " + what);
        }
    }

    private static void log(String format, Object... args) {
        System.out.printf("[migration snapshot] " + format + "%n", args);
    }

    /** The checkout's commit, with "+changes" if its tree differs from it. */
    private static String commit() {
        try {
            String head = run("git", "rev-parse", "HEAD");
            String dirty = run("git", "status", "--porcelain", "--untracked-files=no");
            return head + (dirty.isEmpty() ? "" : "+changes");
        } catch (Exception e) {
            return "unknown";
        }
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + ": " + output);
        }
        return output;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
