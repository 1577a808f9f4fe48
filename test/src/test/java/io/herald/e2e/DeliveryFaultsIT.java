package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.job.HeraldMain;
import io.herald.model.Platform;
import io.herald.sandbox.CampaignWatcher;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery against emulators that fight back: transient errors (and FCM latency) are retried
 * until every device has exactly one notification, and refused credentials stop sending cleanly,
 * with receipts and without a retry storm, while the job keeps running without a restart.
 */
@org.junit.jupiter.api.Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeliveryFaultsIT {
    private static final int USERS = 3_000;
    private static final Duration WAIT = Duration.ofMinutes(4);

    @TempDir
    static Path dir;

    private static Sandbox sandbox;
    private static KafkaIO kafka;
    private static JobClient job;
    private static SyntheticUsers users;
    private static int restPort;

    @BeforeAll
    static void startHeraldAndLoadUsers() throws Exception {
        sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
        kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
        users = SyntheticUsers.generate(USERS, 11, 0.02);
        users.registerWith(sandbox.apns().tokens(), sandbox.fcm().tokens());
        try (ServerSocket s = new ServerSocket(0)) {
            restPort = s.getLocalPort();
        }
        job = HeraldMain.startEmbedded(sandbox.config(), restPort, null);
        long version = SyntheticUsers.registrationVersion();
        for (SyntheticUsers.Device d : users.devices()) {
            kafka.send(sandbox.config().topics.devices, d.userId, d.registerEvent(Sandbox.APP_ID, version));
        }
        kafka.flush();
        assertThat(kafka.awaitConsumed(sandbox.config().kafka.groupId, sandbox.config().topics.devices, WAIT, b -> { }))
                .isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        if (job != null) {
            job.cancel().get();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Test
    @Order(1)
    void withTransientErrorsAndLatencyEveryDeviceGetsExactlyOneNotification() throws Exception {
        sandbox.apns().faults().transientShare(0.05);
        // No dropped connections here: an answer lost with its connection makes the retry a second
        // delivery (at-least-once, as with the real providers), so exact counts cannot hold with them.
        sandbox.fcm().faults().transientShare(0.05).latencyMs(20);
        CampaignWatcher watcher = fire("storm-1");
        assertThat(watcher.awaitDone(WAIT, () -> { })).as("every targeted device got a receipt").isTrue();
        sandbox.apns().faults().clear();
        sandbox.fcm().faults().clear();

        long live = 0;
        for (SyntheticUsers.Device d : users.devices()) {
            assertThat(registry(d).received(d.token)).as("notifications to %s", d.deviceId)
                    .isEqualTo(d.expectsDelivery() ? 1 : 0);
            live += d.expectsDelivery() ? 1 : 0;
        }
        assertThat(watcher.outcome("delivered")).isEqualTo(live);
        assertThat(watcher.outcome("failed")).isZero();
        assertThat(watcher.duplicateReceipts()).isZero();
        // The faults really happened, on both providers, so the deliveries above took retries.
        assertThat(sandbox.apns().faults().transientsAnswered()).isGreaterThan(20);
        assertThat(sandbox.fcm().faults().transientsAnswered()).isGreaterThan(20);
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        assertThat(failuresSoFar()).as("the job's failure history").isEmpty();
        watcher.close();
    }

    @Test
    @Order(2)
    void revokedCredentialsStopSendingWithReceiptsAndNoRetryStorm() throws Exception {
        resetCounts();
        sandbox.apns().faults().credentialsRevoked(true);
        sandbox.fcm().faults().credentialsRevoked(true);
        CampaignWatcher watcher = fire("revoked-1");
        assertThat(watcher.awaitDone(WAIT, () -> { })).as("every targeted device got a receipt").isTrue();

        assertThat(watcher.outcome("rejected")).isEqualTo(watcher.targeted());
        assertThat(watcher.failureReasons().keySet()).allSatisfy(reason -> assertThat(reason)
                .contains("sending stopped for app " + Sandbox.APP_ID + ": the provider refused its credentials"));
        assertThat(watcher.failureReasons().keySet()).anyMatch(r -> r.startsWith("ios") && r.contains("InvalidProviderToken"));
        assertThat(watcher.failureReasons().keySet()).anyMatch(r -> r.startsWith("android") && r.contains("401"));
        assertThat(sandbox.apns().tokens().totalReceived() + sandbox.fcm().tokens().totalReceived()).isZero();
        // No notification was tried twice: at most one refused request per targeted device.
        long refusals = sandbox.apns().faults().credentialRefusals() + sandbox.fcm().faults().credentialRefusals();
        assertThat(refusals).isPositive().isLessThanOrEqualTo(watcher.targeted());
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        assertThat(failuresSoFar()).as("the job's failure history").isEmpty();
        watcher.close();
    }

    private static CampaignWatcher fire(String campaignId) {
        CampaignWatcher watcher = new CampaignWatcher(kafka, campaignId, sandbox.config().topics.receipts,
                sandbox.config().topics.campaignStatus);
        kafka.send(sandbox.config().topics.campaigns, campaignId, DemoCampaign.create(campaignId, DemoCampaign.ALL));
        kafka.send(sandbox.config().topics.campaigns, campaignId, DemoCampaign.fire(campaignId));
        kafka.flush();
        return watcher;
    }

    /** The exceptions that failed (and so restarted) the job, from Flink's REST API: none if it never failed. */
    private static java.util.List<String> failuresSoFar() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://localhost:" + restPort + "/jobs/" + job.getJobID() + "/exceptions")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        java.util.List<String> failures = new java.util.ArrayList<>();
        new ObjectMapper().readTree(r.body()).path("exceptionHistory").path("entries")
                .forEach(e -> failures.add(e.path("exceptionName").asText() + ": " + e.path("stacktrace").asText()));
        return failures;
    }

    private static void resetCounts() {
        sandbox.apns().tokens().resetCounts();
        sandbox.fcm().tokens().resetCounts();
    }

    private static TokenRegistry registry(SyntheticUsers.Device d) {
        return d.platform == Platform.IOS ? sandbox.apns().tokens() : sandbox.fcm().tokens();
    }
}
