package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.job.HeraldMain;
import io.herald.job.bootstrap.DeviceBootstrap;
import io.herald.job.cli.CampaignWatcher;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new deployment bootstrapped from a bulk export: 100,000 users become a savepoint, the job
 * starts from it with nothing on the devices topic, and a campaign reaches every device at once.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DeviceBootstrapIT {
    @TempDir
    Path dir;

    @Test
    void aJobStartedFromABootstrappedSavepointServesACampaignAtOnce() throws Exception {
        SyntheticUsers users = SyntheticUsers.generate(100_000, 11, 0.0);
        // The sandbox first: a browser's subscription (its endpoint and keys) is made by its push
        // service, and the export carries it.
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            users.registerWith(sandbox);
            Path export = dir.resolve("devices.jsonl");
            long version = SyntheticUsers.registrationVersion();
            try (BufferedWriter w = Files.newBufferedWriter(export, StandardCharsets.UTF_8)) {
                int i = 0;
                for (SyntheticUsers.Device d : users.devices()) {
                    String line = new String(d.registerEvent(Sandbox.APP_ID, version), StandardCharsets.UTF_8);
                    // An export line is a device; the event type may be left out.
                    w.write(i++ % 2 == 0 ? line.replace("\"type\":\"register\",", "") : line);
                    w.newLine();
                }
                w.write(
                        "{\"userId\":\"x\",\"deviceId\":\"y\",\"appId\":\"a\",\"platform\":\"ios\",\"token\":\"short\",\"version\":1}");
                w.newLine();
                w.write("not json");
                w.newLine();
            }
            Path savepoint = dir.resolve("savepoint");
            DeviceBootstrap.Result result =
                    DeviceBootstrap.run(export.toString(), savepoint.toString(), Duration.ofDays(270), 2);
            assertThat(result.linesRead).isEqualTo(users.devices().size() + 2);
            assertThat(result.linesRefused).isEqualTo(2);
            assertThat(savepoint.resolve("_metadata")).exists();

            JobClient job = HeraldMain.startEmbedded(
                    sandbox.config(), 0, savepoint.toUri().toString());
            try (CampaignWatcher watcher =
                    kafka.watch("boot-1", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus)) {
                kafka.send(
                        sandbox.config().topics.campaigns, "boot-1", DemoCampaign.create("boot-1", DemoCampaign.ALL));
                kafka.send(sandbox.config().topics.campaigns, "boot-1", DemoCampaign.fire("boot-1"));
                kafka.flush();
                assertThat(watcher.awaitDone(Duration.ofMinutes(5), () -> {})).isTrue();
                long expected = 0;
                for (SyntheticUsers.Device d : users.devices()) {
                    TokenRegistry r = sandbox.tokens(d.platform);
                    expected += d.expectsDelivery() ? 1 : 0;
                    assertThat(r.received(d.token))
                            .as("notifications to %s", d.deviceId)
                            .isEqualTo(d.expectsDelivery() ? 1 : 0);
                }
                assertThat(watcher.outcome("delivered")).isEqualTo(expected);
                assertThat(expected).isGreaterThan(100_000);
            } finally {
                job.cancel().get();
            }
        }
    }

    @Test
    void aBootstrapSettlesOwnershipAsTheLiveJobWould_andACampaignReachesEachTokenOnce() throws Exception {
        String t1 = "a1".repeat(32);
        String t2 = "b2".repeat(32);
        String t3 = "c3".repeat(32);
        String t4 = "d4".repeat(32);
        Path export = dir.resolve("conflicts.jsonl");
        String line = "{\"userId\":\"%s\",\"deviceId\":\"%s\",\"appId\":\"" + Sandbox.APP_ID
                + "\",\"platform\":\"ios\",\"token\":\"%s\",\"version\":%d}%n";
        long v = SyntheticUsers.registrationVersion();
        Files.writeString(
                export,
                String.format(line, "ana", "shared-phone", t1, v) // the phone went to bob later
                        + String.format(line, "bob", "shared-phone", t2, v + 100)
                        + String.format(line, "carl", "old-phone", t3, v) // the token moved to dave's phone
                        + String.format(line, "dave", "new-phone", t3, v + 200)
                        + String.format(line, "erin", "own-phone", t4, v),
                StandardCharsets.UTF_8);
        Path savepoint = dir.resolve("conflicts-savepoint");
        DeviceBootstrap.run(export.toString(), savepoint.toString(), Duration.ofDays(270), 2);

        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox-conflicts"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            for (String t : List.of(t1, t2, t3, t4)) {
                sandbox.apns().tokens().addLive(t);
            }
            JobClient job = HeraldMain.startEmbedded(
                    sandbox.config(), 0, savepoint.toUri().toString());
            try (CampaignWatcher watcher =
                    kafka.watch("settled", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus)) {
                kafka.send(
                        sandbox.config().topics.campaigns, "settled", DemoCampaign.create("settled", DemoCampaign.ALL));
                kafka.send(sandbox.config().topics.campaigns, "settled", DemoCampaign.fire("settled"));
                kafka.flush();
                assertThat(watcher.awaitDone(Duration.ofMinutes(3), () -> {})).isTrue();
                TokenRegistry apns = sandbox.apns().tokens();
                assertThat(List.of(apns.received(t1), apns.received(t2), apns.received(t3), apns.received(t4)))
                        .as("ana's phone went to bob; carl's token went to dave's phone")
                        .containsExactly(0, 1, 1, 1);
                assertThat(watcher.targeted()).isEqualTo(3);
                assertThat(watcher.suppressed())
                        .as("ana's uninstalled phone and carl's phone without its token")
                        .isEqualTo(2);
            } finally {
                job.cancel().get();
            }
        }
    }
}
