package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.herald.e2e.migration.MigrationScenario;
import io.herald.e2e.migration.MigrationScenario.Device;
import io.herald.e2e.migration.MigrationScenario.Group;
import io.herald.e2e.migration.TopicDump;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.config.HeraldConfig;
import io.herald.model.QuietHoursSpec;
import io.herald.model.StatusKind;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.TokenRegistry;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointWriter;
import org.apache.flink.state.api.runtime.SavepointLoader;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Savepoints of earlier versions restore into the job of today, the way Flink's own
 * {@code *MigrationTest} classes restore the snapshots committed per version: each folder under
 * {@code test/src/test/resources/migration/} holds a savepoint taken by
 * {@link io.herald.e2e.migration.MigrationSnapshotGenerator} with the code of its version, in the
 * middle of a campaign, together with every record of the topics the job reads and what each
 * device had received when the job stopped (see the README there).
 *
 * <p>Each is restored on real parts (a fresh Kafka broker filled with the dumped records at their
 * offsets, fresh emulators with the same tokens, a MiniCluster with RocksDB), and judged by what the
 * emulators received, added to what they had counted before the stop:
 * <ul>
 *   <li>the campaign stopped in the middle of its walk reaches every device of its audience exactly
 *       once, counting both runs (nobody lost, nobody twice: the walk's position, the notifications
 *       in flight and the answers on record all came through);
 *   <li>the users its frequency cap held back before the stop are still held back after it (the
 *       send times in the user state came through);
 *   <li>the local-time campaign pending at the stop fires for the zone whose moment came (at once, if
 *       the moment passed while the snapshot waited in the repository) and not for the zone it had
 *       skipped as passed;
 *   <li>a campaign fired after the restore reaches only the users no campaign reached yet: every
 *       other user's cap is full.
 * </ul>
 * A job whose fan-out state did not come through (a changed uid with non-restored state allowed, a
 * serializer that reads it wrong) leaves the stopped campaign's remaining devices without it, and
 * fails here.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SavepointMigrationIT {
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final String AFTER_RESTORE = "mig-after-restore";

    /** Every snapshot folder (one holding a scenario.json) under the test resources' migration/. */
    static Stream<String> snapshots() throws IOException, URISyntaxException {
        Path root = migrationRoot();
        List<String> names = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            dirs.filter(d -> Files.isRegularFile(d.resolve("scenario.json")))
                    .forEach(d -> names.add(d.getFileName().toString()));
        }
        names.sort(null);
        assertThat(names).as("snapshots under %s", root).isNotEmpty();
        return names.stream();
    }

    private static Path migrationRoot() throws URISyntaxException {
        return Path.of(SavepointMigrationIT.class.getResource("/migration").toURI());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("snapshots")
    void theSavepointOfAnEarlierVersionRestoresAndKeepsEveryPromise(String name, @TempDir Path dir) throws Exception {
        Path snapshot = migrationRoot().resolve(name);
        JsonNode scenario =
                new ObjectMapper().readTree(snapshot.resolve("scenario.json").toFile());
        List<Device> devices = MigrationScenario.readDevices(snapshot.resolve("devices.jsonl"));
        String stoppedId = scenario.path("campaigns").path("stopped").asText();
        String localId = scenario.path("campaigns").path("localTime").asText();
        long utcMoment = scenario.path("localTime").path("utcMoment").asLong();
        long started = System.nanoTime();

        try (Sandbox sandbox = Sandbox.start(
                        dir.resolve("sandbox"), scenario.path("parallelism").asInt());
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            HeraldConfig config = settingsOf(snapshot.resolve("herald.yaml"), sandbox.config());
            String bootstrap = sandbox.kafka().bootstrapServers();
            TopicDump.matchPartitions(bootstrap, snapshot.resolve("topics"));
            // The records keep their times from the day the snapshot was made: nothing may expire them.
            keepForever(sandbox, config);
            TopicDump.refill(bootstrap, snapshot.resolve("topics"));
            for (Device d : devices) {
                registry(sandbox, d).addLive(d.token());
            }
            Path taken = dir.resolve("savepoint-as-taken");
            copyTree(snapshot.resolve(scenario.path("savepoint").asText()), taken);
            Path savepoint = withoutSinkCommittables(taken, dir.resolve("savepoint"));

            CampaignWatcher stopped = kafka.watch(stoppedId, config.topics.receipts, config.topics.campaignStatus);
            CampaignWatcher local = kafka.watch(localId, config.topics.receipts, config.topics.campaignStatus);
            long restoredAt = System.currentTimeMillis();
            JobClient job =
                    HeraldMain.startEmbedded(config, 0, savepoint.toUri().toString());
            try {
                // 1. The stopped campaign finishes and the local-time moment comes (at once if it passed).
                boolean[] localBeforeItsMoment = {false};
                Predicate<Device> localDue =
                        d -> d.group() == Group.LOCAL && d.zone().equals(MigrationScenario.UTC);
                boolean settled = stopped.awaitUntil(
                        WAIT.plusMillis(Math.max(0, utcMoment - restoredAt)),
                        () -> {
                            requireRunning(job);
                            if (System.currentTimeMillis() < utcMoment
                                    && received(sandbox, devices, d -> d.group() == Group.LOCAL) > 0) {
                                localBeforeItsMoment[0] = true;
                            }
                        },
                        () -> stopped.fanOutComplete()
                                && devices.stream()
                                        .filter(d -> d.optIn() && d.group() == Group.WALK)
                                        .allMatch(d -> d.receivedBeforeStop() + received(sandbox, d) >= 1)
                                && devices.stream()
                                        .filter(d -> d.optIn() && localDue.test(d))
                                        .allMatch(d -> received(sandbox, d) >= 1));
                long settledMs = System.currentTimeMillis() - restoredAt;
                String before = tally(sandbox, devices);
                assertThat(settled)
                        .as(
                                "the stopped campaign finished and the local-time campaign reached its zone "
                                        + "within %s of the restore: %s",
                                WAIT, before)
                        .isTrue();
                assertThat(localBeforeItsMoment[0])
                        .as("the local-time campaign sent before its moment")
                        .isFalse();
                local.readToEnd(Duration.ofSeconds(30));
                assertThat(local.statuses(StatusKind.FIRED))
                        .as("the local-time campaign fired, once, by the restored job")
                        .hasSize(1);
                for (Device d : devices) {
                    assertThat(received(sandbox, d))
                            .as(
                                    "%s (%s, %s, opt-in %s, %d before the stop) after the restore",
                                    d.deviceId(), d.group(), d.zone(), d.optIn(), d.receivedBeforeStop())
                            .isEqualTo(expectedAfterRestore(d));
                }

                // 2. A campaign to everyone after the restore: only users no campaign reached get it.
                CampaignWatcher after =
                        kafka.watch(AFTER_RESTORE, config.topics.receipts, config.topics.campaignStatus);
                kafka.send(
                        config.topics.campaigns, AFTER_RESTORE, DemoCampaign.create(AFTER_RESTORE, DemoCampaign.ALL));
                kafka.send(config.topics.campaigns, AFTER_RESTORE, DemoCampaign.fire(AFTER_RESTORE));
                kafka.flush();
                assertThat(after.awaitDone(WAIT, () -> requireRunning(job)))
                        .as("the campaign after the restore: %s", after.rejection())
                        .isTrue();
                long neverReached = devices.stream()
                        .filter(d -> d.optIn()
                                && d.group() == Group.LOCAL
                                && d.zone().equals(MigrationScenario.TOKYO))
                        .count();
                stopped.poll(Duration.ofMillis(200));
                System.out.printf(
                        "Migration %s (commit %s, made %s): the stopped campaign and the due local-time "
                                + "zone settled %,d ms after the restore (received since, by group: %s); the campaign fired "
                                + "after it: %s; %.1f s in all%n",
                        name,
                        scenario.path("commit").asText(),
                        scenario.path("generatedAt").asText(),
                        settledMs,
                        before,
                        after.outcomes(),
                        (System.nanoTime() - started) / 1e9);
                assertThat(after.outcome("delivered"))
                        .as("delivered after the restore: the users no campaign had reached")
                        .isEqualTo(neverReached);
                assertThat(after.outcome("capped"))
                        .as("capped: everyone else with a device that could get it")
                        .isEqualTo(after.targeted() - neverReached);
                for (Device d : devices) {
                    boolean getsIt =
                            d.optIn() && d.group() == Group.LOCAL && d.zone().equals(MigrationScenario.TOKYO);
                    assertThat(received(sandbox, d))
                            .as("%s (%s, %s, opt-in %s) in the end", d.deviceId(), d.group(), d.zone(), d.optIn())
                            .isEqualTo(expectedAfterRestore(d) + (getsIt ? 1 : 0));
                }
                assertThat(stopped.duplicateReceipts())
                        .as("the stopped campaign's receipts since the restore, twice")
                        .isZero();
            } finally {
                job.cancel().get();
            }
        }
    }

    /**
     * What a device must receive after the restore, before the campaign the test fires: the stopped
     * campaign's audience what it lacked (one in all); the users it held back, nothing; the local-time
     * zone that was due, one; the zone it skipped, nothing; opted-out devices, nothing.
     */
    private static int expectedAfterRestore(Device d) {
        if (!d.optIn()) {
            return 0;
        }
        return switch (d.group()) {
            case WALK -> 1 - d.receivedBeforeStop();
            case CAPPED -> 0;
            case LOCAL -> d.zone().equals(MigrationScenario.UTC) ? 1 : 0;
        };
    }

    /**
     * The sandbox's configuration with the snapshot's settings: the app's frequency cap and quiet
     * hours, the replay window, the state TTL, delivery bounds, parallelism, topics and group (the
     * broker, the emulators and the credentials are this sandbox's own).
     */
    static HeraldConfig settingsOf(Path yamlFile, HeraldConfig config) throws IOException {
        ObjectMapper yaml =
                new ObjectMapper(new YAMLFactory()).configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        JsonNode snap = yaml.readTree(yamlFile.toFile());
        config.topics = yaml.treeToValue(snap.get("topics"), HeraldConfig.Topics.class);
        config.replay = yaml.treeToValue(snap.get("replay"), HeraldConfig.Replay.class);
        config.state = yaml.treeToValue(snap.get("state"), HeraldConfig.State.class);
        config.delivery = yaml.treeToValue(snap.get("delivery"), HeraldConfig.Delivery.class);
        config.parallelism = snap.get("parallelism").asInt();
        config.kafka.groupId = snap.path("kafka").path("groupId").asText(config.kafka.groupId);
        config.checkpointing.intervalMs =
                snap.path("checkpointing").path("intervalMs").asLong(config.checkpointing.intervalMs);
        Map<String, JsonNode> apps = new HashMap<>();
        snap.get("apps").forEach(a -> apps.put(a.get("id").asText(), a));
        for (HeraldConfig.App app : config.apps) {
            JsonNode a = apps.get(app.id);
            assertThat(a).as("app %s in the snapshot's configuration", app.id).isNotNull();
            app.frequencyCap = a.hasNonNull("frequencyCap")
                    ? yaml.treeToValue(a.get("frequencyCap"), HeraldConfig.Cap.class)
                    : null;
            app.quietHours =
                    a.hasNonNull("quietHours") ? yaml.treeToValue(a.get("quietHours"), QuietHoursSpec.class) : null;
        }
        config.check();
        return config;
    }

    /** The uid Flink gives the committer of the sink whose uid is {@code sink-kafka} (HeraldJob). */
    static final String SINK_COMMITTER_UID = "Sink Committer: sink-kafka";

    /**
     * A copy of the savepoint without the Kafka sink's committer state. That state holds the
     * transactions of the savepoint's own checkpoint, which the job committed on the old broker when
     * the savepoint completed (the dump shows them committed), and which a restored committer
     * commits again: on the old broker a no-op (the producer is fenced), on any broker that does not
     * know the transactional ids (a fresh one, or the same one after transactional.id.expiration.ms,
     * 7 days by default) an InvalidPidMappingException, which flink-connector-kafka 5.0.0-2.2 treats
     * as an unknown failure: the job restarts, again and again (FLINK-39072). Every other operator's
     * state is kept as the snapshot has it, and must be restored: non-restored state is not allowed.
     */
    static Path withoutSinkCommittables(Path savepoint, Path target) throws Exception {
        OperatorIdentifier committer = OperatorIdentifier.forUid(SINK_COMMITTER_UID);
        CheckpointMetadata metadata =
                SavepointLoader.loadSavepointMetadata(savepoint.toUri().toString());
        assertThat(metadata.getOperatorStates().stream().map(OperatorState::getOperatorID))
                .as("the savepoint has the Kafka sink's committer (uid '%s')", SINK_COMMITTER_UID)
                .contains(committer.getOperatorId());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(new Configuration());
        SavepointWriter.fromExistingSavepoint(env, savepoint.toUri().toString())
                .removeOperator(committer)
                .write(target.toUri().toString());
        env.execute("Drop the Kafka sink's committables from a migration snapshot");
        return target;
    }

    private static void requireRunning(JobClient job) {
        try {
            JobStatus status = job.getJobStatus().get(30, TimeUnit.SECONDS);
            if (status == JobStatus.FAILING
                    || status == JobStatus.FAILED
                    || status == JobStatus.RESTARTING
                    || status == JobStatus.CANCELED
                    || status == JobStatus.FINISHED) {
                throw new AssertionError("the restored job is " + status + " (see the log: "
                        + System.getProperty("herald.logFile") + ")");
            }
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError("the restored job's status could not be read", e);
        }
    }

    /** No time or size retention on the topics the dump fills: its records are as old as the snapshot. */
    private static void keepForever(Sandbox sandbox, HeraldConfig config) throws Exception {
        List<AlterConfigOp> forever = List.of(
                new AlterConfigOp(new ConfigEntry("retention.ms", "-1"), AlterConfigOp.OpType.SET),
                new AlterConfigOp(new ConfigEntry("retention.bytes", "-1"), AlterConfigOp.OpType.SET));
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new HashMap<>();
        for (String topic : List.of(
                config.topics.devices,
                config.topics.audiences,
                config.topics.campaigns,
                config.topics.answers,
                config.topics.campaignStatus,
                config.topics.receipts,
                config.topics.deadLetters)) {
            changes.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), forever);
        }
        try (Admin admin = sandbox.kafka().admin()) {
            admin.incrementalAlterConfigs(changes).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static TokenRegistry registry(Sandbox sandbox, Device d) {
        return sandbox.tokens(d.platform());
    }

    private static int received(Sandbox sandbox, Device d) {
        return registry(sandbox, d).received(d.token());
    }

    private static long received(Sandbox sandbox, List<Device> devices, Predicate<Device> which) {
        return devices.stream()
                .filter(which)
                .mapToLong(d -> received(sandbox, d))
                .sum();
    }

    /** Received after the restore, per group (and zone). */
    private static String tally(Sandbox sandbox, List<Device> devices) {
        Map<String, Long> byGroup = new TreeMap<>();
        for (Device d : devices) {
            byGroup.merge(
                    d.group() + (d.group() == Group.LOCAL ? " " + d.zone() : ""),
                    (long) received(sandbox, d),
                    Long::sum);
        }
        return byGroup.toString();
    }

    private static void copyTree(Path from, Path to) throws IOException {
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
