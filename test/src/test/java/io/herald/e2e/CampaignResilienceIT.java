package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.model.StatusKind;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A campaign keeps its promise while things happen in the middle of it, on real parts (Kafka broker,
 * MiniCluster with RocksDB, both emulators), judged by what the emulators received: checkpoints
 * complete while it is handed out, progress shows, a transactional send does not wait for it, a
 * cancel stops it within a second, and a stop with a savepoint followed by a start from it finishes
 * it with no notification lost or sent twice. Campaigns are held to a rate so that each lasts
 * several seconds on any machine.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CampaignResilienceIT {
    private static final int USERS = 15_000;
    private static final int RATE = 2_500;
    private static final Duration WAIT = Duration.ofMinutes(3);

    @TempDir
    static Path dir;

    private static Sandbox sandbox;
    private static KafkaIO kafka;
    private static JobClient job;
    private static int restPort;
    private static SyntheticUsers users;
    private static SandboxCampaigns campaigns;

    @BeforeAll
    static void startHeraldAndLoadUsers() throws Exception {
        sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
        kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
        campaigns = new SandboxCampaigns(sandbox, kafka);
        users = SyntheticUsers.generate(USERS, 5, 0.02);
        users.registerWith(sandbox);
        job = start(null);
        assertThat(users.load(sandbox, kafka, WAIT, b -> {})).isTrue();
    }

    private static JobClient start(String savepoint) throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            restPort = s.getLocalPort();
        }
        Configuration cluster = new Configuration();
        cluster.set(RestOptions.PORT, restPort);
        // Checkpoint counts as they are, not as the web UI caches them for a few seconds.
        cluster.set(RestOptions.CACHE_CHECKPOINT_STATISTICS_TIMEOUT, Duration.ofMillis(50));
        return HeraldMain.startEmbedded(sandbox.config(), cluster, savepoint);
    }

    @AfterAll
    static void stop() throws Exception {
        SandboxCampaigns.stopAll(job, kafka, sandbox);
    }

    @Test
    @Order(1)
    void checkpointsCompleteProgressShowsAndASendGoesOutWhileALongCampaignIsHandedOut() throws Exception {
        campaigns.resetCounts();
        CampaignWatcher slow = campaigns.watch("slow-1");
        CampaignWatcher tx = campaigns.watch("tx-1");
        kafka.send(campaigns.topic(), "tx-1", DemoCampaign.create("tx-1", DemoCampaign.ALL));
        kafka.send(campaigns.topic(), "slow-1", DemoCampaign.create("slow-1", DemoCampaign.ALL, RATE));
        kafka.send(campaigns.topic(), "slow-1", DemoCampaign.fire("slow-1"));
        kafka.flush();
        long checkpointsAtFire = completedCheckpoints();

        // While it is handed out: a transactional send to a user who gets the campaign too.
        assertThat(slow.awaitUntil(WAIT, () -> {}, () -> slow.handedOut() > RATE))
                .isTrue();
        SyntheticUsers.Device someone = users.devices().stream()
                .filter(SyntheticUsers.Device::expectsDelivery)
                .findFirst()
                .orElseThrow();
        long sentAt = System.currentTimeMillis();
        kafka.send(campaigns.topic(), "tx-1", DemoCampaign.send("tx-1", someone.userId, "now"));
        kafka.flush();
        assertThat(tx.awaitUntil(WAIT, () -> {}, () -> tx.outcome("delivered") >= 1))
                .isTrue();
        long txDeliveredWithin = tx.lastAckAt() - sentAt;
        slow.poll(Duration.ofMillis(10));
        boolean slowStillGoing = !slow.fanOutComplete();
        // Receipts are visible once the checkpoint covering them completes: seen growing twice while
        // the walk is not over, at least two checkpoints completed in the middle of it.
        long receiptsSeen = slow.distinctReceipts();
        assertThat(slow.awaitUntil(WAIT, () -> {}, () -> slow.distinctReceipts() > receiptsSeen))
                .isTrue();
        boolean slowStillGoingLater = !slow.fanOutComplete();
        long checkpointsMidWalk = completedCheckpoints() - checkpointsAtFire;

        assertThat(slow.awaitDone(WAIT, () -> {})).isTrue();
        System.out.printf(
                "Long campaign: send delivered %d ms after it was written; %d checkpoints completed mid-walk%n",
                txDeliveredWithin, checkpointsMidWalk);
        assertThat(txDeliveredWithin).as("the send's fire-to-ack, ms").isLessThan(3_000);
        assertThat(slowStillGoing)
                .as("the campaign was still being handed out when the send was delivered")
                .isTrue();
        assertThat(receiptsSeen).as("receipts committed mid-walk").isPositive();
        assertThat(slowStillGoingLater).as("and still when more were committed").isTrue();
        assertThat(checkpointsMidWalk)
                .as("checkpoints completed mid-walk (Flink's count)")
                .isGreaterThanOrEqualTo(2);

        Map<Integer, List<Long>> progress = slow.statuses(StatusKind.PROGRESS).stream()
                .collect(Collectors.groupingBy(
                        n -> n.path("subtask").asInt(),
                        Collectors.mapping(n -> n.path("handedOut").asLong(), Collectors.toList())));
        assertThat(progress)
                .as("progress records per instance")
                .hasSize(2)
                .allSatisfy((subtask, handedOut) ->
                        assertThat(handedOut).hasSizeGreaterThanOrEqualTo(2).isSorted());
        assertThat(campaigns.registry(someone).received(someone.token))
                .as("the campaign and the send")
                .isEqualTo(2);
        EmulatorCounts counts = EmulatorCounts.of(users, sandbox, 1);
        assertThat(counts.lost).as("lost").isZero();
        assertThat(counts.unexpected).as("unexpected").isZero();
        long sendsDevices = users.devices().stream()
                .filter(d -> d.userId.equals(someone.userId) && d.expectsDelivery())
                .count();
        assertThat(counts.duplicates)
                .as("beyond one each: the send's notifications only")
                .isEqualTo(sendsDevices);
        assertThat(slow.outcome("delivered")).isEqualTo(counts.expected);
        assertThat(slow.duplicateReceipts()).isZero();
    }

    @Test
    @Order(2)
    void aCancelStopsACampaignWithinASecondAndSaysWhatWasSent() throws Exception {
        campaigns.resetCounts();
        CampaignWatcher watcher = campaigns.watch("cancel-1");
        kafka.send(campaigns.topic(), "cancel-1", DemoCampaign.create("cancel-1", DemoCampaign.ALL, RATE));
        kafka.send(campaigns.topic(), "cancel-1", DemoCampaign.fire("cancel-1"));
        kafka.flush();
        while (campaigns.received() < RATE) {
            watcher.poll(Duration.ofMillis(50));
        }
        long cancelledAt = System.currentTimeMillis();
        kafka.send(campaigns.topic(), "cancel-1", DemoCampaign.cancel("cancel-1"));
        kafka.flush();
        assertThat(watcher.awaitUntil(
                        WAIT,
                        () -> {},
                        () -> watcher.statuses(StatusKind.CANCELLED).size() == 2))
                .isTrue();
        long handedOut = watcher.statuses(StatusKind.CANCELLED).stream()
                .mapToLong(n -> n.path("handedOut").asLong())
                .sum();
        assertThat(watcher.awaitUntil(WAIT, () -> {}, () -> watcher.distinctReceipts() >= handedOut))
                .isTrue();
        watcher.poll(Duration.ofSeconds(2));

        long last = Math.max(
                sandbox.web().tokens().lastArrivalAt(),
                Math.max(
                        sandbox.apns().tokens().lastArrivalAt(),
                        sandbox.fcm().tokens().lastArrivalAt()));
        System.out.printf(
                "Cancel: last arrival %d ms after the cancel; %d handed out, %d delivered, %d cancelled%n",
                last - cancelledAt, handedOut, watcher.outcome("delivered"), watcher.outcome("cancelled"));
        assertThat(last - cancelledAt)
                .as("the last notification's arrival after the cancel, ms")
                .isLessThanOrEqualTo(1_000);
        assertThat(campaigns.received())
                .as("far from everyone")
                .isLessThan(users.devices().size() / 2);
        assertThat(watcher.distinctReceipts())
                .as("one receipt per notification handed out")
                .isEqualTo(handedOut);
        assertThat(watcher.outcome("delivered")).isEqualTo(campaigns.received());
        assertThat(watcher.duplicateReceipts()).isZero();
        assertThat(watcher.statuses(StatusKind.FANNED_OUT)).isEmpty();
    }

    @Test
    @Order(3)
    void aStopWithASavepointMidCampaignIsQuickAndTheJobStartedFromItFinishesTheCampaign() throws Exception {
        campaigns.resetCounts();
        CampaignWatcher watcher = campaigns.watch("stopped-1");
        kafka.send(campaigns.topic(), "stopped-1", DemoCampaign.create("stopped-1", DemoCampaign.ALL, RATE));
        kafka.send(campaigns.topic(), "stopped-1", DemoCampaign.fire("stopped-1"));
        kafka.flush();
        while (campaigns.received() < RATE) {
            watcher.poll(Duration.ofMillis(50));
        }
        long stopping = System.nanoTime();
        String savepoint = job.stopWithSavepoint(
                        false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                .get();
        long stopMs = (System.nanoTime() - stopping) / 1_000_000;
        long receivedAtStop = campaigns.received();
        job = start(savepoint);

        assertThat(watcher.awaitDone(WAIT, () -> {})).isTrue();
        System.out.printf("Stop with savepoint: %d ms, %d notifications received before it%n", stopMs, receivedAtStop);
        assertThat(stopMs).as("stop with savepoint, ms").isLessThan(10_000);
        assertThat(receivedAtStop)
                .as("stopped mid-campaign")
                .isLessThan(users.devices().size() * 3 / 4);
        assertThat(EmulatorCounts.of(users, sandbox, 1).exact())
                .as("%s", EmulatorCounts.of(users, sandbox, 1))
                .isTrue();
        assertThat(watcher.outcome("delivered")).isEqualTo(EmulatorCounts.of(users, sandbox, 1).expected);
        assertThat(watcher.duplicateReceipts()).isZero();
    }

    private static long completedCheckpoints() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://localhost:" + restPort + "/jobs/" + job.getJobID() + "/checkpoints"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        JsonNode counts = new ObjectMapper().readTree(r.body()).path("counts");
        return counts.path("completed").asLong();
    }
}
