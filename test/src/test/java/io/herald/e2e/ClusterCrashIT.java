package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.job.cli.CampaignWatcher;
import io.herald.kafka.AnswerLog;
import io.herald.model.Answer;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.FencedCommits;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.StandaloneFlink;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TaskManager killed with SIGKILL in the middle of a campaign, on a real multi-process Flink
 * cluster (a JobManager and two TaskManagers, each a JVM of its own, the job jar submitted with
 * {@code flink run}): the job restarts by itself from its last checkpoint, on the surviving
 * TaskManager and a fresh one, and finishes the campaign. Judged by the emulators' own counts:
 * nothing lost, and no more duplicates than the requests the dead instances could have had at a
 * provider without their answer on record (the in-flight bound of each delivery instance that died).
 *
 * <p>And nothing lost on the way out either, device by device: every device the emulators counted,
 * and every device the campaign targeted, has a receipt committed to the {@code receipts} topic
 * (read committed) and an answer in the {@code answers} topic. A sink transaction the broker aborted
 * (timed out, fenced) after its checkpoint completed would leave devices the emulators counted
 * without a receipt. Every commit the Kafka connector refused as "already fenced" (it does so after
 * a restart for the transactions of the restored checkpoint that were committed before the crash,
 * see {@code HeraldKafka#sink}) is checked against the broker: the transaction must be committed.
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class ClusterCrashIT {
    private static final int USERS = 25_000;
    private static final Duration WAIT = Duration.ofMinutes(5);

    @TempDir
    Path dir;

    @Test
    void aTaskManagerKilledMidCampaignLosesNothingAndDuplicatesAtMostTheInFlightBound() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
                StandaloneFlink flink = StandaloneFlink.start(dir.resolve("flink"), 2, 2)) {
            SyntheticUsers users = SyntheticUsers.generate(USERS, 13, 0.02);
            users.registerWith(sandbox);
            String jobId = flink.submit(
                    StandaloneFlink.jobJar(Path.of("..", "job")),
                    "io.herald.job.HeraldMain",
                    null,
                    List.of("--config", sandbox.configFile().toString()));
            flink.awaitAllRunning(jobId, Duration.ofMinutes(2));
            assertThat(users.load(sandbox, kafka, WAIT, b -> {}))
                    .as("the job took in every device")
                    .isTrue();
            long expected = users.devices().stream()
                    .filter(SyntheticUsers.Device::expectsDelivery)
                    .count();

            CampaignWatcher watcher =
                    kafka.watch("crash-1", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
            kafka.send(sandbox.config().topics.campaigns, "crash-1", DemoCampaign.create("crash-1", DemoCampaign.ALL));
            kafka.send(sandbox.config().topics.campaigns, "crash-1", DemoCampaign.fire("crash-1"));
            kafka.flush();
            long firing = System.nanoTime();
            while (sandbox.received() < 4_000) {
                assertThat(System.nanoTime() - firing)
                        .as("4,000 notifications sent within " + WAIT)
                        .isLessThan(WAIT.toNanos());
                watcher.poll(Duration.ofMillis(20));
            }
            List<String> busy = flink.taskManagersRunning(jobId, "Keep user state");
            String victim = busy.get(0);
            long receivedAtKill = sandbox.received();
            flink.kill(victim);
            flink.startTaskManager();

            boolean done = watcher.awaitDone(WAIT, () -> {});
            EmulatorCounts counts = EmulatorCounts.of(users, sandbox, 1);
            // Each fan-out instance on the dead TaskManager had its APNs and its FCM delivery there too.
            long instancesThatDied = busy.stream().filter(victim::equals).count();
            long bound = instancesThatDied * 2 * sandbox.config().delivery.maxInFlight;
            System.out.printf(
                    "Crash: %s killed after %,d of %,d notifications; job restarted %d time(s); %s; bound %d;"
                            + " receipts %s%n",
                    victim, receivedAtKill, expected, flink.restarts(jobId), counts, bound, watcher.outcomes());
            // The receipts and answers of every device, against what the emulators counted.
            List<String> missing = missingReceiptsOrAnswers("crash-1", users, sandbox, kafka);
            // Each commit the connector refused as fenced: what the broker made of its transaction.
            List<FencedCommits.Commit> fenced = FencedCommits.in(flink.logs());
            try (Admin admin = sandbox.kafka().admin()) {
                FencedCommits.describe(fenced, admin);
            }
            fenced.forEach(c -> System.out.println("Commit refused as fenced: " + c));

            assertThat(missing)
                    .as("devices without a committed receipt or an answer")
                    .isEmpty();
            assertThat(fenced)
                    .as("commits refused as fenced, by what the broker made of their transactions")
                    .allSatisfy(c ->
                            assertThat(c.committedBefore()).as(c.toString()).isTrue());
            assertThat(done).as("the campaign finished after the crash").isTrue();
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

    /**
     * The devices of campaign {@code campaignId} left without a receipt committed to the receipts
     * topic or without an answer in the answers topic (each named with what is missing): every device
     * the emulators counted at least once, and every device the campaign targeted (opted in, dead
     * tokens included), needs both. Prints the join's totals.
     */
    static List<String> missingReceiptsOrAnswers(
            String campaignId, SyntheticUsers users, Sandbox sandbox, KafkaIO kafka) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, String> receiptOutcome = new HashMap<>();
        long receipts = 0;
        for (ConsumerRecord<byte[], byte[]> r :
                kafka.readAll(sandbox.config().topics.receipts, Duration.ofSeconds(3))) {
            JsonNode n = json.readTree(r.value());
            if (campaignId.equals(n.path("campaignId").asText())) {
                receipts++;
                receiptOutcome.put(
                        n.path("deviceId").asText(), n.path("outcome").asText());
            }
        }
        // The answers topic is written by plain idempotent producers (acks from all replicas), outside
        // any transaction: every record in it is committed.
        Map<String, Answer> answers = new AnswerLog(
                        sandbox.kafka().bootstrapServers(), sandbox.config().topics.answers, Map.of())
                .read(0, a -> campaignId.equals(a.campaignId));
        List<String> missing = new ArrayList<>();
        List<String> notReceived = new ArrayList<>();
        long counted = 0;
        long targeted = 0;
        for (SyntheticUsers.Device d : users.devices()) {
            TokenRegistry provider = sandbox.tokens(d.platform);
            int received = provider.received(d.token);
            String receipt = receiptOutcome.get(d.deviceId);
            Answer answer = answers.get(campaignId + "/" + d.deviceId);
            if (received > 0) {
                counted++;
                if (receipt == null) {
                    missing.add(d.deviceId + ": received " + received + " time(s), no receipt");
                }
                if (answer == null) {
                    missing.add(d.deviceId + ": received " + received + " time(s), no answer");
                }
            }
            if (d.expectsDelivery() && received == 0 && notReceived.size() < 10) {
                notReceived.add(d.deviceId + " (" + d.platform + "): receipt " + receipt + ", answer "
                        + (answer == null ? null : answer.outcome + " " + answer.reason));
            }
            if (d.optIn) {
                targeted++;
                if (receipt == null) {
                    missing.add(d.deviceId + ": targeted, no receipt");
                }
                if (answer == null) {
                    missing.add(d.deviceId + ": targeted, no answer");
                }
            }
        }
        System.out.printf(
                "Receipts and answers of %s: %,d devices counted by the emulators, %,d targeted; "
                        + "%,d receipts committed for %,d devices, %,d answers; %,d devices missing one%n",
                campaignId,
                counted,
                targeted,
                receipts,
                receiptOutcome.size(),
                answers.size(),
                missing.stream()
                        .map(m -> m.substring(0, m.indexOf(':')))
                        .distinct()
                        .count());
        if (!notReceived.isEmpty()) {
            System.out.println("Devices that should have had it and did not (first 10): " + notReceived);
        }
        return missing.size() > 20 ? List.copyOf(missing.subList(0, 20)) : missing;
    }
}
