package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.job.cli.CampaignWatcher;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.StandaloneFlink;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TaskManager killed with SIGKILL in the middle of a campaign, on a real multi-process Flink
 * cluster (a JobManager and two TaskManagers, each a JVM of its own, the job jar submitted with
 * {@code flink run}): the job restarts by itself from its last checkpoint, on the surviving
 * TaskManager and a fresh one, and finishes the campaign. Judged by the emulators' own counts:
 * nothing lost, and no more duplicates than the requests the dead instances could have had at a
 * provider without their answer on record (the in-flight bound of each delivery instance that died).
 */
@org.junit.jupiter.api.Timeout(value = 12, unit = java.util.concurrent.TimeUnit.MINUTES)
class ClusterCrashIT {
    private static final int USERS = 45_000;
    private static final Duration WAIT = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    @Test
    void aTaskManagerKilledMidCampaignLosesNothingAndDuplicatesAtMostTheInFlightBound() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
                StandaloneFlink flink = StandaloneFlink.start(dir.resolve("flink"), 2, 2)) {
            SyntheticUsers users = SyntheticUsers.generate(USERS, 13, 0.02);
            users.registerWith(sandbox.apns().tokens(), sandbox.fcm().tokens());
            String jobId = flink.submit(jobJar(), "io.herald.job.HeraldMain", null,
                    List.of("--config", sandbox.configFile().toString()));
            flink.awaitAllRunning(jobId, Duration.ofMinutes(2));
            assertThat(users.load(sandbox, kafka, WAIT, b -> { })).as("the job took in every device").isTrue();
            long expected = users.devices().stream().filter(SyntheticUsers.Device::expectsDelivery).count();

            CampaignWatcher watcher = kafka.watch("crash-1", sandbox.config().topics.receipts,
                    sandbox.config().topics.campaignStatus);
            kafka.send(sandbox.config().topics.campaigns, "crash-1", DemoCampaign.create("crash-1", DemoCampaign.ALL));
            kafka.send(sandbox.config().topics.campaigns, "crash-1", DemoCampaign.fire("crash-1"));
            kafka.flush();
            while (received(sandbox) < 4_000) {
                watcher.poll(Duration.ofMillis(20));
            }
            List<String> busy = flink.taskManagersRunning(jobId, "Keep user state");
            String victim = busy.get(0);
            long receivedAtKill = received(sandbox);
            flink.kill(victim);
            flink.startTaskManager();

            assertThat(watcher.awaitDone(WAIT, () -> { })).as("the campaign finished after the crash").isTrue();
            EmulatorCounts counts = EmulatorCounts.of(users, sandbox, 1);
            // Each fan-out instance on the dead TaskManager had its APNs and its FCM delivery there too.
            long instancesThatDied = busy.stream().filter(victim::equals).count();
            long bound = instancesThatDied * 2 * sandbox.config().delivery.maxInFlight;
            System.out.printf("Crash: %s killed after %,d of %,d notifications; job restarted %d time(s); %s; bound %d%n",
                    victim, receivedAtKill, expected, flink.restarts(jobId), counts, bound);
            assertThat(receivedAtKill).as("killed mid-campaign").isLessThan(expected * 3 / 5);
            assertThat(flink.restarts(jobId)).as("the job restarted").isPositive();
            assertThat(counts.lost).as("lost").isZero();
            assertThat(counts.unexpected).as("unexpected").isZero();
            assertThat(counts.duplicates).as("duplicates").isLessThanOrEqualTo(bound);
            assertThat(watcher.outcome("delivered")).isEqualTo(expected);
            assertThat(watcher.duplicateReceipts()).isZero();
            watcher.close();
        }
    }

    private static long received(Sandbox sandbox) {
        TokenRegistry apns = sandbox.apns().tokens();
        TokenRegistry fcm = sandbox.fcm().tokens();
        return apns.totalReceived() + fcm.totalReceived();
    }

    /** The job module's jar for {@code flink run}, built before this module's tests. */
    private static Path jobJar() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("..", "job", "target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-flink.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no job jar in job/target: package the job module first"))
                    .toAbsolutePath();
        }
    }
}
