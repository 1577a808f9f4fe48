package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.model.Platform;
import io.herald.model.StatusKind;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery against emulators that fight back: transient errors, latency and dropped connections are
 * retried until every device has exactly one notification; requests APNs took whose answers were
 * lost in a connection reset are receipted {@code unconfirmed} (not {@code failed}), are not sent
 * again, and did arrive; and refused credentials stop sending
 * cleanly, with receipts and without a retry storm, while the job keeps running without a restart.
 * A campaign's {@code maxPerSecond} holds over both instances of the job.
 * The job reports through the Prometheus reporter set in {@code flink-conf/config.yaml}, and the
 * test reads its delivery metrics back from there.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeliveryFaultsIT {
    private static final int USERS = 3_000;
    private static final Duration WAIT = Duration.ofMinutes(4);

    @TempDir
    static Path dir;

    private static Sandbox sandbox;
    private static KafkaIO kafka;
    private static SandboxCampaigns campaigns;
    private static JobClient job;
    private static SyntheticUsers users;
    private static int restPort;
    private static int prometheusPort;

    @BeforeAll
    static void startHeraldAndLoadUsers() throws Exception {
        sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
        kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
        campaigns = new SandboxCampaigns(sandbox, kafka);
        users = SyntheticUsers.generate(USERS, 11, 0.02);
        users.registerWith(sandbox);
        restPort = freePort();
        prometheusPort = freePort();
        // A dropped connection fails every request on it at once, and the retries may meet the next
        // drop: with five attempts, a run of bad luck made one notification give up (seen twice in
        // full verify runs). Eight attempts keep the budget of two thirds of timeoutMs.
        sandbox.config().delivery.maxAttempts = 8;
        job = HeraldMain.startEmbedded(sandbox.config(), clusterWithFlinkConfsReporter(), null);
        assertThat(users.load(sandbox, kafka, WAIT, b -> {})).isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        SandboxCampaigns.stopAll(job, kafka, sandbox);
    }

    @Test
    @Order(1)
    void withTransientErrorsLatencyAndDroppedConnectionsEveryDeviceGetsExactlyOneNotification() throws Exception {
        // Drops are per write of the sender's, and both clients batch their requests into few writes
        // (Pushy always has; Herald's FCM client now too), so the shares are set for a drop on each
        // provider in each run. (At 0.05 on APNs, one notification once failed five times and gave up.)
        sandbox.apns().faults().transientShare(0.05).latencyMs(20).dropShare(0.03);
        sandbox.fcm().faults().transientShare(0.05).latencyMs(20).dropShare(0.05);
        sandbox.web().faults().transientShare(0.05).latencyMs(20).dropShare(0.05);
        CampaignWatcher watcher = campaigns.fireToAll("storm-1");
        assertThat(watcher.awaitDone(WAIT, () -> {}))
                .as("every targeted device got a receipt")
                .isTrue();
        sandbox.apns().faults().clear();
        sandbox.fcm().faults().clear();
        sandbox.web().faults().clear();

        long live = 0;
        for (SyntheticUsers.Device d : users.devices()) {
            assertThat(campaigns.registry(d).received(d.token))
                    .as(
                            "notifications to %s (%s); receipts %s, failures %s",
                            d.deviceId, d.platform, watcher.counts().byOutcome(), watcher.failureReasons())
                    .isEqualTo(d.expectsDelivery() ? 1 : 0);
            live += d.expectsDelivery() ? 1 : 0;
        }
        assertThat(watcher.outcome("delivered")).isEqualTo(live);
        assertThat(watcher.outcome("failed")).isZero();
        assertThat(watcher.duplicateReceipts()).isZero();
        // The faults really happened, on both providers, so the deliveries above took retries.
        assertThat(sandbox.apns().faults().transientsAnswered()).isGreaterThan(20);
        assertThat(sandbox.fcm().faults().transientsAnswered()).isGreaterThan(20);
        assertThat(sandbox.web().faults().transientsAnswered()).isPositive();
        assertThat(sandbox.apns().faults().connectionsDropped()).isPositive();
        assertThat(sandbox.fcm().faults().connectionsDropped()).isPositive();
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        assertThat(failuresSoFar()).as("the job's failure history").isEmpty();

        // What the operators reported, as Prometheus scrapes it: every delivery counted, and at least
        // one retry for each transient answer.
        List<Sample> metrics = scrapeHeraldMetrics();
        assertThat(sum(metrics, "herald_outcome_receipts", "outcome", "delivered"))
                .as("scraped %s", metrics)
                .isEqualTo((double) live);
        assertThat(sum(metrics, "herald_retries", null, null))
                .isGreaterThanOrEqualTo((double) (sandbox.apns().faults().transientsAnswered()
                        + sandbox.fcm().faults().transientsAnswered()
                        + sandbox.web().faults().transientsAnswered()));
        assertThat(sum(metrics, "herald_providerLatencyMs_count", null, null)).isGreaterThanOrEqualTo(live);
        assertThat(sum(metrics, "herald_requestsInFlight", null, null)).isZero();
        // APNs has no quota, so it starts with no rate limit; its 429s put one on it: the sender slowed
        // down. (Prometheus label values have spaces made underscores.)
        assertThat(metrics)
                .filteredOn(m -> m.name().equals("herald_providerRateLimitPerSecond")
                        && "Deliver_to_APNs".equals(m.labels().get("operator_name")))
                .as(
                        "APNs's rate limits after its 429s, among %s",
                        metrics.stream()
                                .filter(m -> m.name().equals("herald_providerRateLimitPerSecond"))
                                .toList())
                .isNotEmpty()
                .anySatisfy(m -> assertThat(m.value()).isFinite().isPositive());
        watcher.close();
    }

    @Test
    @Order(3)
    void requestsWhoseAnswersWereLostInAResetAreUnconfirmedNotFailed_andWereDelivered() throws Exception {
        campaigns.resetCounts();
        TokenRegistry apns = sandbox.apns().tokens();
        // APNs takes the requests and delivers them, but its answers are lost on their way back.
        sandbox.apns().faults().answersLost(true);
        CampaignWatcher watcher = campaigns.fireToAll("answers-lost-1");
        // Until APNs has taken what it will take without answering (HTTP/2 flow control holds the rest
        // back, since its window updates are lost too): its count stops growing.
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        long taken = -1;
        long stableSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            watcher.poll(Duration.ofMillis(100));
            long now = apns.totalReceived();
            if (now != taken) {
                taken = now;
                stableSince = System.nanoTime();
            } else if (taken > 0 && System.nanoTime() - stableSince > TimeUnit.SECONDS.toNanos(1)) {
                break;
            }
        }
        assertThat(taken).as("APNs took requests it never answered").isPositive();
        Set<String> takenBeforeReset = new HashSet<>();
        users.devices().stream()
                .filter(d -> d.platform == Platform.IOS && apns.received(d.token) > 0)
                .forEach(d -> takenBeforeReset.add(d.deviceId));
        // The connections are reset: no GOAWAY, no answers. What was written is unconfirmed at once;
        // what had not gone out is retried on new connections, which answer again.
        sandbox.apns().faults().answersLost(false);
        assertThat(watcher.awaitDone(WAIT, () -> {}))
                .as("every targeted device got a receipt")
                .isTrue();

        long unconfirmed = watcher.outcome("unconfirmed");
        System.out.printf(
                "Answers lost, then reset: APNs took %,d before the reset; receipts %s%n", taken, watcher.outcomes());
        // Receipt by receipt: each request APNs took is unconfirmed (not failed), and was delivered
        // once; a failed one (a request held back unsent, given up on) never reached APNs. An
        // unconfirmed one is an unknown outcome: written, it may still have died with the connection
        // (in Netty's or the kernel's buffers) before APNs read it, so it reached APNs once or not
        // at all.
        Map<String, SyntheticUsers.Device> byId = new HashMap<>();
        users.devices().forEach(d -> byId.put(d.deviceId, d));
        Set<String> unconfirmedDevices = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record :
                kafka.readAll(sandbox.config().topics.receipts, Duration.ofSeconds(2))) {
            JsonNode r = new ObjectMapper().readTree(record.value());
            if (!"answers-lost-1".equals(r.path("campaignId").asText())) {
                continue;
            }
            SyntheticUsers.Device d = byId.get(r.path("deviceId").asText());
            String outcome = r.path("outcome").asText();
            if ("unconfirmed".equals(outcome)) {
                assertThat(d.platform).as("%s", r).isEqualTo(Platform.IOS);
                assertThat(r.path("reason").asText()).startsWith("written, then no answer");
                assertThat(apns.received(d.token))
                        .as("deliveries to %s, receipted unconfirmed", d.deviceId)
                        .isLessThanOrEqualTo(d.expectsDelivery() ? 1 : 0);
                unconfirmedDevices.add(d.deviceId);
            } else if ("failed".equals(outcome)) {
                assertThat(campaigns.registry(d).received(d.token))
                        .as("deliveries to %s, receipted failed: %s", d.deviceId, r)
                        .isZero();
            }
        }
        assertThat(unconfirmedDevices)
                .as("devices receipted unconfirmed: every one APNs had taken at the reset")
                .containsAll(takenBeforeReset)
                .hasSize((int) unconfirmed);
        System.out.printf(
                "Unconfirmed: %,d, of which APNs had taken %,d%n", unconfirmedDevices.size(), takenBeforeReset.size());
        // None was sent again: no device has more than one.
        for (SyntheticUsers.Device d : users.devices()) {
            assertThat(campaigns.registry(d).received(d.token))
                    .as("notifications to %s (%s)", d.deviceId, d.platform)
                    .isLessThanOrEqualTo(d.expectsDelivery() ? 1 : 0);
        }
        assertThat(watcher.duplicateReceipts()).isZero();

        // A retry sends them again only if it names them: an estimate for unconfirmed counts them all.
        kafka.send(campaigns.topic(), "answers-lost-1", DemoCampaign.estimate("answers-lost-1", "unconfirmed"));
        kafka.flush();
        assertThat(watcher.awaitUntil(
                        WAIT,
                        () -> {},
                        () -> watcher.statuses(StatusKind.ESTIMATED).size() == 2))
                .isTrue();
        assertThat(watcher.statuses(StatusKind.ESTIMATED).stream()
                        .mapToLong(n -> n.path("targeted").asLong())
                        .sum())
                .as("devices a retry of unconfirmed would reach")
                .isEqualTo(unconfirmed);
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        watcher.close();
    }

    @Test
    @Order(4)
    void revokedCredentialsStopSendingWithReceiptsAndNoRetryStorm() throws Exception {
        campaigns.resetCounts();
        sandbox.apns().faults().credentialsRevoked(true);
        sandbox.fcm().faults().credentialsRevoked(true);
        sandbox.web().faults().credentialsRevoked(true);
        CampaignWatcher watcher = campaigns.fireToAll("revoked-1");
        assertThat(watcher.awaitDone(WAIT, () -> {}))
                .as("every targeted device got a receipt")
                .isTrue();

        assertThat(watcher.outcome("rejected")).isEqualTo(watcher.targeted());
        assertThat(watcher.failureReasons().keySet())
                .allSatisfy(reason -> assertThat(reason)
                        .contains("sending stopped for app " + Sandbox.APP_ID
                                + ": the provider refused its credentials"));
        assertThat(watcher.failureReasons().keySet())
                .anyMatch(r -> r.startsWith("ios") && r.contains("InvalidProviderToken"));
        assertThat(watcher.failureReasons().keySet()).anyMatch(r -> r.startsWith("android") && r.contains("401"));
        assertThat(watcher.failureReasons().keySet()).anyMatch(r -> r.startsWith("web") && r.contains("401"));
        assertThat(campaigns.received()).isZero();
        // No notification was tried twice: at most one refused request per targeted device.
        long refusals = sandbox.apns().faults().credentialRefusals()
                + sandbox.fcm().faults().credentialRefusals()
                + sandbox.web().faults().credentialRefusals();
        assertThat(refusals).isPositive().isLessThanOrEqualTo(watcher.targeted());
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        assertThat(failuresSoFar()).as("the job's failure history").isEmpty();
        watcher.close();
    }

    @Test
    @Order(2)
    void aCampaignsMaxPerSecondHoldsOverTheWholeJob() throws Exception {
        campaigns.resetCounts();
        int limit = 400;
        CampaignWatcher watcher =
                campaigns.fire("limited-1", DemoCampaign.create("limited-1", DemoCampaign.ALL, limit));
        assertThat(watcher.awaitDone(WAIT, () -> {}))
                .as("every targeted device got a receipt")
                .isTrue();
        long delivered = watcher.outcome("delivered");
        assertThat(delivered).isGreaterThan(3 * limit);

        // Both instances take half the rate each, so the campaign cannot finish sooner than its size
        // allows at the limit (the first slot of each instance is free). Unlimited, it takes a second
        // or two here. Acks can bunch up behind a pause, hence the slack on the peak.
        long spanMs = watcher.latencyQuantile(1.0) - watcher.latencyQuantile(0.0);
        assertThat(spanMs).as("first to last ack, ms").isGreaterThanOrEqualTo((delivered - 2) * 1000L / limit - 100);
        assertThat(watcher.mostAcksInOneSecond())
                .as("the most acks in one second")
                .isLessThanOrEqualTo(limit * 3 / 2);
        assertThat(campaigns.received()).isEqualTo(delivered);
        watcher.close();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The cluster settings: the reporters from flink-conf/config.yaml (on a free port) and the web UI. */
    private static Configuration clusterWithFlinkConfsReporter() {
        Configuration flinkConf = GlobalConfiguration.loadConfiguration(
                Path.of("..", "flink-conf").toString());
        Configuration cluster = new Configuration();
        flinkConf.toMap().forEach((key, value) -> {
            if (key.startsWith("metrics.reporter.")) {
                cluster.setString(key, value);
            }
        });
        assertThat(cluster.toMap()).as("flink-conf's reporters").isNotEmpty();
        cluster.setString("metrics.reporter.prom.port", String.valueOf(prometheusPort));
        cluster.set(RestOptions.PORT, restPort);
        return cluster;
    }

    private static final Pattern LABEL = Pattern.compile("([a-z_]+)=\"([^\"]*)\"");

    /** One sample from the Prometheus endpoint: a metric of one operator instance. */
    private record Sample(String name, Map<String, String> labels, double value) {}

    /**
     * The job's {@code herald} metrics from the Prometheus endpoint, named after the operator scope
     * (for example {@code herald_retries}), with their labels (operator_name, outcome, ...).
     */
    private static List<Sample> scrapeHeraldMetrics() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + prometheusPort + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        List<Sample> samples = new ArrayList<>();
        String prefix = "flink_taskmanager_job_task_operator_";
        for (String line : r.body().split("\\n")) {
            if (!line.startsWith(prefix + "herald_")) {
                continue;
            }
            int labelsAt = line.indexOf('{');
            int valueAt = line.lastIndexOf(' ');
            String name = line.substring(prefix.length(), labelsAt < 0 ? valueAt : labelsAt);
            Map<String, String> labels = new HashMap<>();
            if (labelsAt >= 0) {
                Matcher m = LABEL.matcher(line.substring(labelsAt, line.lastIndexOf('}')));
                while (m.find()) {
                    labels.put(m.group(1), m.group(2));
                }
            }
            String text = line.substring(valueAt + 1);
            double value = text.endsWith("Inf")
                    ? (text.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                    : Double.parseDouble(text);
            samples.add(new Sample(name, labels, value));
        }
        return samples;
    }

    /** The sum over the samples of {@code name} whose labels include {@code label=value} (when given). */
    private static double sum(List<Sample> samples, String name, String label, String value) {
        return samples.stream()
                .filter(s -> s.name().equals(name))
                .filter(s -> label == null || value.equals(s.labels().get(label)))
                .mapToDouble(Sample::value)
                .sum();
    }

    /** The exceptions that failed (and so restarted) the job, from Flink's REST API: none if it never failed. */
    private static List<String> failuresSoFar() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://localhost:" + restPort + "/jobs/" + job.getJobID() + "/exceptions"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> failures = new ArrayList<>();
        new ObjectMapper()
                .readTree(r.body())
                .path("exceptionHistory")
                .path("entries")
                .forEach(e -> failures.add(e.path("exceptionName").asText() + ": "
                        + e.path("stacktrace").asText()));
        return failures;
    }
}
