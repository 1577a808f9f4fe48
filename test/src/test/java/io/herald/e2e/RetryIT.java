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
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A campaign's failures sent again on purpose: with the FCM emulator failing a third of requests and
 * no retries, a campaign leaves failed receipts; a {@code retry} of its failed notifications then
 * reaches exactly those devices, once each, and no other device gets a second notification.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class RetryIT {
    @TempDir
    Path dir;

    @Test
    void aRetryReachesExactlyTheDevicesWhoseNotificationFailed() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            SyntheticUsers users = SyntheticUsers.generate(2_000, 19, 0.02);
            users.registerWith(sandbox);
            sandbox.config().delivery.maxAttempts = 1;
            JobClient job = HeraldMain.startEmbedded(sandbox.config(), 0, null);
            try {
                assertThat(users.load(sandbox, kafka, Duration.ofMinutes(3), b -> {}))
                        .isTrue();
                sandbox.fcm().faults().transientShare(0.33);
                CampaignWatcher watcher =
                        kafka.watch("flaky", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
                kafka.send(sandbox.config().topics.campaigns, "flaky", DemoCampaign.create("flaky", DemoCampaign.ALL));
                kafka.send(sandbox.config().topics.campaigns, "flaky", DemoCampaign.fire("flaky"));
                kafka.flush();
                assertThat(watcher.awaitDone(Duration.ofMinutes(2), () -> {})).isTrue();
                sandbox.fcm().faults().clear();
                long failed = watcher.outcome("failed");
                Map<String, Integer> firstRound = new HashMap<>();
                long missing = 0;
                for (SyntheticUsers.Device d : users.devices()) {
                    int n = sandbox.tokens(d.platform).received(d.token);
                    firstRound.put(d.deviceId, n);
                    missing += d.expectsDelivery() && n == 0 ? 1 : 0;
                }
                // Every live device without its notification has a failed receipt; so may a dead token
                // whose request met a fault before its provider could say it was dead.
                assertThat(missing)
                        .as("live devices left without a notification")
                        .isPositive();
                assertThat(failed).as("failed receipts").isGreaterThanOrEqualTo(missing);

                // The estimate of the retry counts the devices it would reach.
                kafka.send(sandbox.config().topics.campaigns, "flaky", DemoCampaign.estimate("flaky", "failed"));
                kafka.flush();
                assertThat(watcher.awaitUntil(
                                Duration.ofMinutes(2),
                                () -> {},
                                () -> watcher.statuses(StatusKind.ESTIMATED).size() == 2))
                        .isTrue();
                long estimated = watcher.statuses(StatusKind.ESTIMATED).stream()
                        .mapToLong(n -> n.path("targeted").asLong())
                        .sum();
                assertThat(watcher.statuses(StatusKind.ESTIMATED)
                                .get(0)
                                .path("outcomes")
                                .toString())
                        .contains("FAILED");

                // The retry, and the job stopped with a savepoint at once: the retry goes on after the
                // restore, whether the stop found it reading its devices, walking, or not yet read.
                kafka.send(sandbox.config().topics.campaigns, "flaky", DemoCampaign.retry("flaky", "failed"));
                kafka.flush();
                String savepoint = job.stopWithSavepoint(
                                false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
                job = HeraldMain.startEmbedded(sandbox.config(), 0, savepoint);
                assertThat(watcher.awaitUntil(
                                Duration.ofMinutes(2),
                                () -> {},
                                () -> watcher.statuses(StatusKind.RETRIED).size() >= 2))
                        .isTrue();
                long retried = watcher.statuses(StatusKind.RETRIED).stream()
                        .mapToLong(n -> n.path("handedOut").asLong())
                        .sum();
                long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
                while (EmulatorCounts.of(users, sandbox, 1).lost > 0 && System.nanoTime() < deadline) {
                    watcher.poll(Duration.ofMillis(200));
                }
                EmulatorCounts after = EmulatorCounts.of(users, sandbox, 1);
                System.out.printf(
                        "Retry: %d failed, %d estimated, %d handed out again across a stop; emulators: %s%n",
                        failed, estimated, retried, after);
                assertThat(estimated).isEqualTo(failed);
                // What the stopped job handed out after its savepoint (while the stop completed) is
                // answered on record, so the restored retry neither sends nor counts it again: its
                // count may be anything up to the failed ones, even none. That the retry reached every
                // failed device, once, is what the emulators' counts below say.
                assertThat(retried).isLessThanOrEqualTo(failed);
                assertThat(after.exact()).as("%s", after).isTrue();
            } finally {
                job.cancel().get();
            }
        }
    }
}
