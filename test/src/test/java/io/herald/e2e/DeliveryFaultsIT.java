package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.job.HeraldMain;
import io.herald.model.Platform;
import io.herald.job.cli.CampaignWatcher;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery against emulators that fight back: transient errors, latency and dropped connections are
 * retried until every device has exactly one notification, and refused credentials stop sending
 * cleanly, with receipts and without a retry storm, while the job keeps running without a restart.
 * A campaign's {@code maxPerSecond} holds over both instances of the job.
 * The job reports through the Prometheus reporter set in {@code flink-conf/config.yaml}, and the
 * test reads its delivery metrics back from there.
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
    private static int prometheusPort;

    @BeforeAll
    static void startHeraldAndLoadUsers() throws Exception {
        sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
        kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
        users = SyntheticUsers.generate(USERS, 11, 0.02);
        users.registerWith(sandbox.apns().tokens(), sandbox.fcm().tokens());
        restPort = freePort();
        prometheusPort = freePort();
        // A dropped connection fails every request on it at once, and the retries may meet the next
        // drop: with five attempts, a run of bad luck made one notification give up (seen twice in
        // full verify runs). Eight attempts keep the budget of two thirds of timeoutMs.
        sandbox.config().delivery.maxAttempts = 8;
        job = HeraldMain.startEmbedded(sandbox.config(), clusterWithFlinkConfsReporter(), null);
        assertThat(users.load(sandbox, kafka, WAIT, b -> { })).isTrue();
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
    void withTransientErrorsLatencyAndDroppedConnectionsEveryDeviceGetsExactlyOneNotification() throws Exception {
        // Drops are per write of the sender's, and both clients batch their requests into few writes
        // (Pushy always has; Herald's FCM client now too), so the shares are set for a drop on each
        // provider in each run. (At 0.05 on APNs, one notification once failed five times and gave up.)
        sandbox.apns().faults().transientShare(0.05).latencyMs(20).dropShare(0.03);
        sandbox.fcm().faults().transientShare(0.05).latencyMs(20).dropShare(0.05);
        CampaignWatcher watcher = fire("storm-1");
        assertThat(watcher.awaitDone(WAIT, () -> { })).as("every targeted device got a receipt").isTrue();
        sandbox.apns().faults().clear();
        sandbox.fcm().faults().clear();

        long live = 0;
        for (SyntheticUsers.Device d : users.devices()) {
            assertThat(registry(d).received(d.token)).as("notifications to %s (%s)", d.deviceId, d.platform)
                    .isEqualTo(d.expectsDelivery() ? 1 : 0);
            live += d.expectsDelivery() ? 1 : 0;
        }
        assertThat(watcher.outcome("delivered")).isEqualTo(live);
        assertThat(watcher.outcome("failed")).isZero();
        assertThat(watcher.duplicateReceipts()).isZero();
        // The faults really happened, on both providers, so the deliveries above took retries.
        assertThat(sandbox.apns().faults().transientsAnswered()).isGreaterThan(20);
        assertThat(sandbox.fcm().faults().transientsAnswered()).isGreaterThan(20);
        assertThat(sandbox.apns().faults().connectionsDropped()).isPositive();
        assertThat(sandbox.fcm().faults().connectionsDropped()).isPositive();
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        assertThat(failuresSoFar()).as("the job's failure history").isEmpty();

        // What the operators reported, as Prometheus scrapes it: every delivery counted, and at least
        // one retry for each transient answer.
        java.util.List<Sample> metrics = scrapeHeraldMetrics();
        assertThat(sum(metrics, "herald_outcome_receipts", "outcome", "delivered")).as("scraped %s", metrics)
                .isEqualTo((double) live);
        assertThat(sum(metrics, "herald_retries", null, null)).isGreaterThanOrEqualTo((double) (
                sandbox.apns().faults().transientsAnswered() + sandbox.fcm().faults().transientsAnswered()));
        assertThat(sum(metrics, "herald_providerLatencyMs_count", null, null)).isGreaterThanOrEqualTo(live);
        assertThat(sum(metrics, "herald_requestsInFlight", null, null)).isZero();
        // APNs has no quota, so it starts with no rate limit; its 429s put one on it: the sender slowed
        // down. (Prometheus label values have spaces made underscores.)
        assertThat(metrics).filteredOn(m -> m.name().equals("herald_providerRateLimitPerSecond")
                        && "Deliver_to_APNs".equals(m.labels().get("operator_name")))
                .as("APNs's rate limits after its 429s, among %s", metrics.stream()
                        .filter(m -> m.name().equals("herald_providerRateLimitPerSecond")).toList()).isNotEmpty()
                .anySatisfy(m -> assertThat(m.value()).isFinite().isPositive());
        watcher.close();
    }

    @Test
    @Order(3)
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

    @Test
    @Order(2)
    void aCampaignsMaxPerSecondHoldsOverTheWholeJob() throws Exception {
        resetCounts();
        int limit = 400;
        CampaignWatcher watcher = fire("limited-1", DemoCampaign.create("limited-1", DemoCampaign.ALL, limit));
        assertThat(watcher.awaitDone(WAIT, () -> { })).as("every targeted device got a receipt").isTrue();
        long delivered = watcher.outcome("delivered");
        assertThat(delivered).isGreaterThan(3 * limit);

        // Both instances take half the rate each, so the campaign cannot finish sooner than its size
        // allows at the limit (the first slot of each instance is free). Unlimited, it takes a second
        // or two here. Acks can bunch up behind a pause, hence the slack on the peak.
        long spanMs = watcher.latencyQuantile(1.0) - watcher.latencyQuantile(0.0);
        assertThat(spanMs).as("first to last ack, ms").isGreaterThanOrEqualTo((delivered - 2) * 1000L / limit - 100);
        assertThat(watcher.mostAcksInOneSecond()).as("the most acks in one second").isLessThanOrEqualTo(limit * 3 / 2);
        assertThat(sandbox.apns().tokens().totalReceived() + sandbox.fcm().tokens().totalReceived()).isEqualTo(delivered);
        watcher.close();
    }

    private static CampaignWatcher fire(String campaignId) {
        return fire(campaignId, DemoCampaign.create(campaignId, DemoCampaign.ALL));
    }

    private static CampaignWatcher fire(String campaignId, byte[] create) {
        CampaignWatcher watcher = kafka.watch(campaignId, sandbox.config().topics.receipts,
                sandbox.config().topics.campaignStatus);
        kafka.send(sandbox.config().topics.campaigns, campaignId, create);
        kafka.send(sandbox.config().topics.campaigns, campaignId, DemoCampaign.fire(campaignId));
        kafka.flush();
        return watcher;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The cluster settings: the reporters from flink-conf/config.yaml (on a free port) and the web UI. */
    private static Configuration clusterWithFlinkConfsReporter() {
        Configuration flinkConf = GlobalConfiguration.loadConfiguration(Path.of("..", "flink-conf").toString());
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
    private record Sample(String name, java.util.Map<String, String> labels, double value) {}

    /**
     * The job's {@code herald} metrics from the Prometheus endpoint, named after the operator scope
     * (for example {@code herald_retries}), with their labels (operator_name, outcome, ...).
     */
    private static java.util.List<Sample> scrapeHeraldMetrics() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://localhost:" + prometheusPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        java.util.List<Sample> samples = new java.util.ArrayList<>();
        String prefix = "flink_taskmanager_job_task_operator_";
        for (String line : r.body().split("\\n")) {
            if (!line.startsWith(prefix + "herald_")) {
                continue;
            }
            int labelsAt = line.indexOf('{');
            int valueAt = line.lastIndexOf(' ');
            String name = line.substring(prefix.length(), labelsAt < 0 ? valueAt : labelsAt);
            java.util.Map<String, String> labels = new java.util.HashMap<>();
            if (labelsAt >= 0) {
                Matcher m = LABEL.matcher(line.substring(labelsAt, line.lastIndexOf('}')));
                while (m.find()) {
                    labels.put(m.group(1), m.group(2));
                }
            }
            String text = line.substring(valueAt + 1);
            double value = text.endsWith("Inf") ? (text.startsWith("-") ? Double.NEGATIVE_INFINITY
                    : Double.POSITIVE_INFINITY) : Double.parseDouble(text);
            samples.add(new Sample(name, labels, value));
        }
        return samples;
    }

    /** The sum over the samples of {@code name} whose labels include {@code label=value} (when given). */
    private static double sum(java.util.List<Sample> samples, String name, String label, String value) {
        return samples.stream().filter(s -> s.name().equals(name))
                .filter(s -> label == null || value.equals(s.labels().get(label)))
                .mapToDouble(Sample::value).sum();
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
