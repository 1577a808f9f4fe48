package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.job.HeraldMain;
import io.herald.job.config.HeraldConfig;
import io.herald.model.StatusKind;
import io.herald.sandbox.CampaignWatcher;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays on real parts: a job started again from a savepoint taken before a campaign reads that
 * campaign's fire again and sends its devices nothing new (their answers are on record); a fresh job
 * that rebuilds device state from the start of the topics takes every fire it reads for history.
 * Judged by the emulators' counts.
 */
@org.junit.jupiter.api.Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class ReplayIT {
    @TempDir
    Path dir;

    @Test
    void aReplayFromAnOlderSavepointResendsNothing_andAFreshJobTakesOldFiresForHistory() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            SyntheticUsers users = SyntheticUsers.generate(2_000, 17, 0.02);
            users.registerWith(sandbox.apns().tokens(), sandbox.fcm().tokens());
            HeraldConfig config = sandbox.config();
            config.replay.clockSkewMs = 0; // the test's records are seconds old, not minutes
            JobClient first = HeraldMain.startEmbedded(config, 0, null);
            assertThat(users.load(sandbox, kafka, Duration.ofMinutes(3), b -> { })).isTrue();
            String savepoint = first.triggerSavepoint(dir.resolve("savepoints").toUri().toString(),
                    SavepointFormatType.CANONICAL).get();

            CampaignWatcher delivered = watch(kafka, config, "after-the-savepoint");
            kafka.send(config.topics.campaigns, "after-the-savepoint", DemoCampaign.create("after-the-savepoint", DemoCampaign.ALL));
            kafka.send(config.topics.campaigns, "after-the-savepoint", DemoCampaign.fire("after-the-savepoint"));
            kafka.flush();
            assertThat(delivered.awaitDone(Duration.ofMinutes(2), () -> { })).isTrue();
            assertThat(EmulatorCounts.of(users, sandbox, 1).exact()).isTrue();
            first.cancel().get();
            long targeted = delivered.targeted();

            // 1. Started again from the savepoint: the fire is read again, every device's answer is on record.
            JobClient replay = HeraldMain.startEmbedded(config, 0, savepoint);
            CampaignWatcher again = watch(kafka, config, "after-the-savepoint");
            assertThat(again.awaitUntil(Duration.ofMinutes(2), () -> { },
                    () -> again.statuses(StatusKind.FANNED_OUT).size() >= 4)).isTrue();
            long handedOutAgain = again.statuses(StatusKind.FANNED_OUT).stream().skip(2)
                    .mapToLong(n -> n.path("handedOut").asLong()).sum();
            long targetedAgain = again.statuses(StatusKind.FANNED_OUT).stream().skip(2)
                    .mapToLong(n -> n.path("targeted").asLong()).sum();
            EmulatorCounts afterReplay = EmulatorCounts.of(users, sandbox, 1);
            System.out.printf("Replay from the savepoint: %d targeted again, %d handed out; emulators: %s%n",
                    targetedAgain, handedOutAgain, afterReplay);
            assertThat(targetedAgain).isEqualTo(targeted);
            assertThat(handedOutAgain).as("handed out again").isZero();
            assertThat(afterReplay.exact()).as("%s", afterReplay).isTrue();
            replay.cancel().get();

            // 2. A fresh job rebuilding device state from the start of the topics: fires are history.
            HeraldConfig fresh = HeraldConfig.read(sandbox.configFile().toFile());
            fresh.kafka.groupId = "herald-rebuild";
            fresh.kafka.transactionalIdPrefix = "herald-rebuild";
            fresh.replay.clockSkewMs = 0;
            JobClient rebuild = HeraldMain.startEmbedded(fresh, 0, null);
            CampaignWatcher history = watch(kafka, fresh, "after-the-savepoint");
            assertThat(history.awaitUntil(Duration.ofMinutes(2), () -> { },
                    () -> !history.statuses(StatusKind.SKIPPED).isEmpty())).isTrue();
            assertThat(kafka.awaitConsumed(fresh.kafka.groupId, fresh.topics.devices, Duration.ofMinutes(2), b -> { }))
                    .isTrue();
            EmulatorCounts afterRebuild = EmulatorCounts.of(users, sandbox, 1);
            assertThat(afterRebuild.exact()).as("%s", afterRebuild).isTrue();
            assertThat(history.statuses(StatusKind.SKIPPED).get(0).path("error").asText()).contains("history");
            rebuild.cancel().get();
        }
    }

    private static CampaignWatcher watch(KafkaIO kafka, HeraldConfig config, String campaignId) {
        return new CampaignWatcher(kafka, campaignId, config.topics.receipts, config.topics.campaignStatus);
    }
}
