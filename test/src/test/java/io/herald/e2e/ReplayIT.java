package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.config.HeraldConfig;
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
 * Replays on real parts: a job started again from a savepoint taken before a campaign reads that
 * campaign's fire again and, campaign-status showing it finished, skips it; a campaign half delivered
 * when the job died is completed by a replay from a savepoint taken before it, each device reached
 * once (the answers on record say which were); a fresh job that rebuilds device state from the
 * start of the topics takes every fire it reads for history.
 * Judged by the emulators' counts.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ReplayIT {
    @TempDir
    Path dir;

    @Test
    void aReplayFromAnOlderSavepointResendsNothing_andAFreshJobTakesOldFiresForHistory() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            SyntheticUsers users = SyntheticUsers.generate(2_000, 17, 0.02);
            users.registerWith(sandbox);
            HeraldConfig config = sandbox.config();
            config.replay.clockSkewMs = 0; // the test's records are seconds old, not minutes
            JobClient first = HeraldMain.startEmbedded(config, 0, null);
            assertThat(users.load(sandbox, kafka, Duration.ofMinutes(3), b -> {}))
                    .isTrue();
            String savepoint = first.triggerSavepoint(
                            dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                    .get();

            CampaignWatcher delivered = watch(kafka, config, "after-the-savepoint");
            kafka.send(
                    config.topics.campaigns,
                    "after-the-savepoint",
                    DemoCampaign.create("after-the-savepoint", DemoCampaign.ALL));
            kafka.send(config.topics.campaigns, "after-the-savepoint", DemoCampaign.fire("after-the-savepoint"));
            kafka.flush();
            assertThat(delivered.awaitDone(Duration.ofMinutes(2), () -> {})).isTrue();
            EmulatorCounts counts = EmulatorCounts.of(users, sandbox, 1);
            assertThat(counts.exact())
                    .as("%s; receipts %s", counts, delivered.outcomes())
                    .isTrue();
            // The group's offsets committed past the campaign's records (as a job that runs on commits
            // them): the replay must start where the savepoint stood, not where the group is now.
            assertThat(kafka.awaitConsumed(
                            config.kafka.groupId, config.topics.campaigns, Duration.ofMinutes(1), b -> {}))
                    .as("the first run committed its offsets past the campaign's records")
                    .isTrue();
            first.cancel().get();
            long targeted = delivered.targeted();

            // 1. Started again from the savepoint: the fire is read again; campaign-status shows the
            // campaign finished (walked on every key group, every notification answered): skipped.
            JobClient replay = HeraldMain.startEmbedded(config, 0, savepoint);
            CampaignWatcher again = watch(kafka, config, "after-the-savepoint");
            assertThat(again.awaitUntil(
                            Duration.ofMinutes(2),
                            () -> {},
                            () -> !again.statuses(StatusKind.SKIPPED).isEmpty()))
                    .isTrue();
            EmulatorCounts afterReplay = EmulatorCounts.of(users, sandbox, 1);
            String why = again.statuses(StatusKind.SKIPPED).get(0).path("error").asText();
            System.out.printf("Replay from the savepoint: %s; emulators: %s%n", why, afterReplay);
            assertThat(why).contains("finished by an earlier run").contains(targeted + " notifications");
            assertThat(again.statuses(StatusKind.FANNED_OUT))
                    .as("fanned out by the first run only")
                    .hasSize(2);
            assertThat(afterReplay.exact()).as("%s", afterReplay).isTrue();

            // 2. A campaign half delivered when the job died, never restored; a replay from a savepoint
            // taken before it completes it: every device once, none twice.
            String beforeHalf = replay.triggerSavepoint(
                            dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                    .get();
            CampaignWatcher half = watch(kafka, config, "half");
            kafka.send(config.topics.campaigns, "half", DemoCampaign.create("half", DemoCampaign.ALL, 400));
            kafka.send(config.topics.campaigns, "half", DemoCampaign.fire("half"));
            kafka.flush();
            assertThat(half.awaitUntil(Duration.ofMinutes(2), () -> {}, () -> half.receipts() > targeted / 3))
                    .isTrue();
            replay.cancel().get();
            long deliveredBeforeDeath = users.devices().stream()
                    .filter(d -> received(sandbox, d) == 2)
                    .count();
            JobClient completing = HeraldMain.startEmbedded(config, 0, beforeHalf);
            assertThat(half.awaitUntil(
                            Duration.ofMinutes(2),
                            () -> {},
                            () -> half.statuses(StatusKind.FANNED_OUT).size() >= 2))
                    .isTrue();
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (EmulatorCounts.of(users, sandbox, 2).lost > 0 && System.nanoTime() < deadline) {
                half.poll(Duration.ofMillis(200));
            }
            EmulatorCounts completed = EmulatorCounts.of(users, sandbox, 2);
            long handedOutAfter = half.statuses(StatusKind.FANNED_OUT).stream()
                    .mapToLong(n -> n.path("handedOut").asLong())
                    .sum();
            System.out.printf(
                    "Half delivered (%d devices) when the job died; the replay handed out %d more; "
                            + "emulators: %s%n",
                    deliveredBeforeDeath, handedOutAfter, completed);
            assertThat(deliveredBeforeDeath).isGreaterThan(targeted / 4).isLessThan(targeted);
            assertThat(handedOutAfter).isLessThan(targeted - deliveredBeforeDeath / 2);
            assertThat(completed.exact()).as("%s", completed).isTrue();
            completing.cancel().get();

            // 3. A fresh job rebuilding device state from the start of the topics: fires are history.
            HeraldConfig fresh = HeraldConfig.read(sandbox.configFile().toFile());
            fresh.kafka.groupId = "herald-rebuild";
            fresh.kafka.transactionalIdPrefix = "herald-rebuild";
            fresh.replay.clockSkewMs = 0;
            JobClient rebuild = HeraldMain.startEmbedded(fresh, 0, null);
            CampaignWatcher history = watch(kafka, fresh, "after-the-savepoint");
            assertThat(history.awaitUntil(
                            Duration.ofMinutes(2),
                            () -> {},
                            () -> history.statuses(StatusKind.SKIPPED).stream()
                                    .anyMatch(n -> n.path("error").asText().contains("history"))))
                    .isTrue();
            assertThat(kafka.awaitConsumed(fresh.kafka.groupId, fresh.topics.devices, Duration.ofMinutes(2), b -> {}))
                    .isTrue();
            EmulatorCounts afterRebuild = EmulatorCounts.of(users, sandbox, 2);
            assertThat(afterRebuild.exact()).as("%s", afterRebuild).isTrue();
            rebuild.cancel().get();
        }
    }

    private static int received(Sandbox sandbox, SyntheticUsers.Device d) {
        return sandbox.tokens(d.platform).received(d.token);
    }

    private static CampaignWatcher watch(KafkaIO kafka, HeraldConfig config, String campaignId) {
        return kafka.watch(campaignId, config.topics.receipts, config.topics.campaignStatus);
    }
}
