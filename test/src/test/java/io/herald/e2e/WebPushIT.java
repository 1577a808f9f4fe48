package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.model.Platform;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Browsers end to end, counted at the sandbox's push service, which verifies every VAPID signature
 * and decrypts every payload with the subscription's private key: a campaign to the segment of
 * platform {@code web}, through transient errors (429 and 503 with Retry-After) and a stop with a
 * savepoint, reaches every live subscription once, personalised in its locale, and no phone; expired
 * subscriptions (410) come back as dead-token receipts and {@code token_rejected} records, and the
 * next campaign skips them.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class WebPushIT {
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final String WEB_ONLY = "{\"kind\":\"segment\",\"platforms\":[\"web\"]}";

    @TempDir
    Path dir;

    @Test
    void browsersGetTheirCampaignOnce_deadSubscriptionsAreForgotten() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            SyntheticUsers users = SyntheticUsers.generate(4_000, 31, 0.05);
            users.registerWith(sandbox);
            List<SyntheticUsers.Device> browsers = users.devices().stream()
                    .filter(d -> d.platform == Platform.WEB)
                    .toList();
            long live = browsers.stream()
                    .filter(SyntheticUsers.Device::expectsDelivery)
                    .count();
            long dead = browsers.stream().filter(d -> d.deadToken && d.optIn).count();
            assertThat(live).isGreaterThan(300);
            assertThat(dead).isGreaterThan(5);
            JobClient job = HeraldMain.startEmbedded(sandbox.config(), 0, null);
            try {
                assertThat(users.load(sandbox, kafka, WAIT, b -> {})).isTrue();
                sandbox.web().faults().transientShare(0.2);
                String topic = sandbox.config().topics.campaigns;
                CampaignWatcher first =
                        kafka.watch("web-1", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
                kafka.send(topic, "web-1", DemoCampaign.create("web-1", WEB_ONLY, 100));
                kafka.send(topic, "web-1", DemoCampaign.fire("web-1"));
                kafka.flush();
                // Stopped with a savepoint mid-walk and restored: the walk goes on where it was.
                assertThat(first.awaitUntil(WAIT, () -> {}, () -> first.receipts() > live / 4))
                        .isTrue();
                String savepoint = job.stopWithSavepoint(
                                false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
                job = HeraldMain.startEmbedded(sandbox.config(), 0, savepoint);
                assertThat(first.awaitDone(WAIT, () -> {})).isTrue();
                sandbox.web().faults().clear();

                EmulatorCounts counts =
                        EmulatorCounts.of(users, sandbox, 1, d -> d.platform == Platform.WEB && d.expectsDelivery());
                System.out.printf(
                        "Web push: %d live and %d dead subscriptions; %s; %d transient errors answered%n",
                        live, dead, counts, sandbox.web().faults().transientsAnswered());
                assertThat(counts.exact()).as("%s", counts).isTrue();
                assertThat(sandbox.apns().tokens().totalReceived()
                                + sandbox.fcm().tokens().totalReceived())
                        .as("phones")
                        .isZero();
                assertThat(sandbox.web().faults().transientsAnswered()).isPositive();
                assertThat(first.outcome("token_dead")).isEqualTo(dead);
                assertThat(first.failureReasons().keySet()).containsExactly("web HTTP 410: Subscription expired");

                // What the browsers' service workers got, decrypted by the push service: personalised,
                // in each device's language, with the campaign's data.
                ObjectMapper json = new ObjectMapper();
                TokenRegistry web = sandbox.web().tokens();
                for (SyntheticUsers.Device d : browsers) {
                    if (!d.expectsDelivery()) {
                        continue;
                    }
                    JsonNode message = json.readTree(web.lastPayload(d.token));
                    String title = message.at("/notification/title").asText();
                    assertThat(title).as(d.deviceId).contains(d.name);
                    if (d.locale.startsWith("de")) {
                        assertThat(title).as(d.deviceId).startsWith("Hallo");
                    } else if (d.locale.startsWith("en") || d.locale.startsWith("ja")) {
                        assertThat(title).as(d.deviceId).startsWith("Hi");
                    }
                    assertThat(message.at("/data/deeplink").asText()).isEqualTo("herald://streak");
                }

                // The dead subscriptions went back to the devices topic, named by their endpoints.
                Set<String> deadEndpoints = browsers.stream()
                        .filter(d -> d.deadToken && d.optIn)
                        .map(d -> d.subscription().endpoint())
                        .collect(Collectors.toSet());
                List<ConsumerRecord<byte[], byte[]>> devices =
                        kafka.readAll(sandbox.config().topics.devices, Duration.ofSeconds(3));
                Set<String> rejected = devices.stream()
                        .map(r -> readTree(json, r.value()))
                        .filter(n -> "token_rejected".equals(n.path("type").asText()))
                        .map(n -> n.path("token").asText())
                        .collect(Collectors.toSet());
                assertThat(rejected).containsAll(deadEndpoints);

                // The next campaign skips them: suppressed, not sent.
                assertThat(kafka.awaitConsumed(
                                sandbox.config().kafka.groupId, sandbox.config().topics.devices, WAIT, b -> {}))
                        .isTrue();
                sandbox.resetCounts();
                CampaignWatcher second =
                        kafka.watch("web-2", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
                kafka.send(topic, "web-2", DemoCampaign.create("web-2", WEB_ONLY));
                kafka.send(topic, "web-2", DemoCampaign.fire("web-2"));
                kafka.flush();
                assertThat(second.awaitDone(WAIT, () -> {})).isTrue();
                assertThat(second.outcome("token_dead")).isZero();
                assertThat(second.targeted()).isEqualTo(live);
                EmulatorCounts again =
                        EmulatorCounts.of(users, sandbox, 1, d -> d.platform == Platform.WEB && d.expectsDelivery());
                assertThat(again.exact()).as("%s", again).isTrue();
                first.close();
                second.close();
            } finally {
                job.cancel().get();
            }
        }
    }

    private static JsonNode readTree(ObjectMapper json, byte[] value) {
        try {
            return json.readTree(new String(value, StandardCharsets.UTF_8));
        } catch (Exception e) {
            return json.createObjectNode();
        }
    }
}
