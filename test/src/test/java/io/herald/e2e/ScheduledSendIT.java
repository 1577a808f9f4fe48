package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.model.StatusKind;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scheduled campaign on the real broker and emulators, across a stop: created with a time a few
 * seconds ahead and no fire, the job stopped with a savepoint before that time and started again
 * from it after; the campaign reaches every live device once, nothing before its time, and one
 * scheduled for the same time but cancelled reaches nobody.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ScheduledSendIT {
    @TempDir
    Path dir;

    @Test
    void aScheduledCampaignFiresOnceAtItsTimeAcrossAStop_aCancelledOneNever() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            SyntheticUsers users = SyntheticUsers.generate(1_000, 23, 0.02);
            users.registerWith(sandbox);
            JobClient job = HeraldMain.startEmbedded(sandbox.config(), 0, null);
            try {
                assertThat(users.load(sandbox, kafka, Duration.ofMinutes(3), b -> {}))
                        .isTrue();
                String campaigns = sandbox.config().topics.campaigns;
                CampaignWatcher watcher =
                        kafka.watch("later", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
                CampaignWatcher cancelled =
                        kafka.watch("never", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
                long at = System.currentTimeMillis() + 15_000;
                kafka.send(campaigns, "later", DemoCampaign.createScheduled("later", DemoCampaign.ALL, at));
                kafka.send(campaigns, "never", DemoCampaign.createScheduled("never", DemoCampaign.ALL, at));
                kafka.send(campaigns, "never", DemoCampaign.cancel("never"));
                kafka.flush();
                assertThat(watcher.awaitUntil(
                                Duration.ofMinutes(1),
                                () -> {},
                                () -> !watcher.statuses(StatusKind.ACCEPTED).isEmpty()))
                        .isTrue();
                assertThat(cancelled.awaitUntil(
                                Duration.ofMinutes(1),
                                () -> {},
                                () -> !cancelled.statuses(StatusKind.CANCELLED).isEmpty()))
                        .isTrue();

                String savepoint = job.stopWithSavepoint(
                                false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
                assertThat(System.currentTimeMillis())
                        .as("stopped before the time, or the test proves less")
                        .isLessThan(at);
                assertThat(received(users, sandbox)).as("sent before its time").isZero();
                while (System.currentTimeMillis() < at + 2_000) {
                    watcher.poll(Duration.ofMillis(200)); // the job is down when the time comes
                }
                assertThat(received(users, sandbox))
                        .as("sent while the job was down")
                        .isZero();

                job = HeraldMain.startEmbedded(sandbox.config(), 0, savepoint);
                assertThat(watcher.awaitDone(Duration.ofMinutes(2), () -> {})).isTrue();
                long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
                while (EmulatorCounts.of(users, sandbox, 1).lost > 0 && System.nanoTime() < deadline) {
                    watcher.poll(Duration.ofMillis(200));
                }
                EmulatorCounts counts = EmulatorCounts.of(users, sandbox, 1);
                System.out.printf("Scheduled: fired by the job after a stop across its time; emulators: %s%n", counts);
                assertThat(counts.exact()).as("%s", counts).isTrue();
                assertThat(watcher.statuses(StatusKind.FIRED))
                        .as("fired once, by the job")
                        .hasSize(1);
                cancelled.poll(Duration.ofSeconds(1));
                assertThat(cancelled.statuses(StatusKind.FIRED)).isEmpty();
            } finally {
                job.cancel().get();
            }
        }
    }

    private static long received(SyntheticUsers users, Sandbox sandbox) {
        long n = 0;
        for (SyntheticUsers.Device d : users.devices()) {
            n += sandbox.tokens(d.platform).received(d.token);
        }
        return n;
    }
}
