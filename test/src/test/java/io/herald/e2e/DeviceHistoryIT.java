package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.config.HeraldConfig;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same device histories, with device ids that move between users and tokens that move between
 * devices (and conflicting updates, tag races, uninstalls, re-registrations and erasures), sent
 * through Kafka to two fresh jobs: once in version order, once shuffled with 30% duplicates. Both
 * must reach the same state, judged by what estimates of several segments count.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DeviceHistoryIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int USERS = 1_500;
    private static final List<String> SEGMENTS = List.of(
            DemoCampaign.ALL,
            "{\"kind\":\"all\",\"platforms\":[\"ios\"]}",
            "{\"kind\":\"all\",\"tags\":[\"sports\"]}",
            "{\"kind\":\"segment\",\"expression\":\"attributes.level > 2 && locale != 'de-DE'\"}");

    @TempDir
    Path dir;

    @Test
    void orderedAndShuffledDuplicatedHistoriesWithMovingIdsAndTokensReachTheSameState() throws Exception {
        List<byte[]> history = history(new Random(23));
        history.sort(Comparator.comparingLong(e -> version(e)));
        List<byte[]> shuffled = new ArrayList<>(history);
        Random random = new Random(29);
        for (byte[] e : history) {
            if (random.nextInt(10) < 3) {
                shuffled.add(e);
            }
        }
        Collections.shuffle(shuffled, random);
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            Map<String, String> ordered = estimates(sandbox, kafka, "ordered", history);
            Map<String, String> unordered = estimates(sandbox, kafka, "shuffled", shuffled);
            System.out.printf("Estimates, ordered: %s%nEstimates, shuffled with duplicates: %s%n", ordered, unordered);
            assertThat(unordered).isEqualTo(ordered);
            assertThat(ordered.get(DemoCampaign.ALL))
                    .as("a history that reaches devices")
                    .doesNotStartWith("0 ");
        }
    }

    /** Runs a fresh job on its own devices topic, loads {@code events} and estimates every segment. */
    private static Map<String, String> estimates(Sandbox sandbox, KafkaIO kafka, String name, List<byte[]> events)
            throws Exception {
        HeraldConfig config = HeraldConfig.read(sandbox.configFile().toFile());
        config.topics.devices = "devices-" + name;
        config.kafka.groupId = "herald-" + name;
        config.kafka.transactionalIdPrefix = "herald-" + name;
        sandbox.kafka().createTopics(Map.of(config.topics.devices, 4));
        JobClient job = HeraldMain.startEmbedded(config, 0, null);
        try {
            // Keyed by user, as producers key the devices topic; the partitions interleave as they will.
            for (byte[] e : events) {
                kafka.send(config.topics.devices, JSON.readTree(e).get("userId").asText(), e);
            }
            kafka.flush();
            assertThat(kafka.awaitConsumed(config.kafka.groupId, config.topics.devices, Duration.ofMinutes(3), b -> {}))
                    .isTrue();
            Map<String, String> result = new LinkedHashMap<>();
            int i = 0;
            for (String segment : SEGMENTS) {
                String id = name + "-estimate-" + (i++);
                try (CampaignWatcher watcher = kafka.watch(id, config.topics.receipts, config.topics.campaignStatus)) {
                    kafka.send(config.topics.campaigns, id, DemoCampaign.create(id, segment));
                    kafka.send(config.topics.campaigns, id, DemoCampaign.estimate(id));
                    kafka.flush();
                    CampaignWatcher.Estimate e = watcher.awaitEstimate(Duration.ofMinutes(2));
                    assertThat(e)
                            .as("estimate of %s: %s", segment, watcher.rejection())
                            .isNotNull();
                    result.put(segment, e.targeted + " targeted, " + e.suppressed + " suppressed, " + e.byLocale);
                }
            }
            return result;
        } finally {
            job.cancel().get();
        }
    }

    private static long version(byte[] event) {
        try {
            return JSON.readTree(event).get("version").asLong();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Users' histories over shared pools of device ids and tokens, so that some device ids are
     * registered by two users and some tokens by two devices; versions spread over a day.
     */
    private static List<byte[]> history(Random random) throws Exception {
        List<byte[]> events = new ArrayList<>();
        String[] locales = {"en-US", "pt-BR", "de-DE"};
        long base = System.currentTimeMillis() - 86_400_000L;
        for (int u = 0; u < USERS; u++) {
            String user = "user-" + u;
            // Each user has one or two devices, most of them its own; one in four comes from a small
            // shared pool (a phone handed on), and one token in five from another (a token moved).
            int[] devices = new int[1 + random.nextInt(2)];
            int[] tokens = new int[3];
            for (int i = 0; i < devices.length; i++) {
                devices[i] = random.nextInt(4) == 0 ? random.nextInt(60) : 1_000 + u * 2 + i;
            }
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = random.nextInt(5) == 0 ? random.nextInt(60) : 10_000 + u * 4 + i;
            }
            int n = 3 + random.nextInt(6);
            for (int k = 0; k < n; k++) {
                int d = devices[random.nextInt(devices.length)];
                boolean ios = d % 2 == 0;
                String device = "device-" + d;
                int t = tokens[random.nextInt(tokens.length)];
                String token = ios ? String.format("%064x", t) : "fcm-token-" + String.format("%012d", t);
                long version = base + random.nextInt(86_400_000);
                ObjectNode e = JSON.createObjectNode().put("userId", user).put("version", version);
                int kind = random.nextInt(20);
                if (kind < 9) {
                    e.put("type", "register")
                            .put("deviceId", device)
                            .put("appId", Sandbox.APP_ID)
                            .put("platform", ios ? "ios" : "android")
                            .put("token", token)
                            .put("locale", locales[random.nextInt(locales.length)])
                            .put("optIn", random.nextInt(8) != 0);
                    if (random.nextBoolean()) {
                        e.putArray("tags").add("sports");
                    }
                } else if (kind < 12) {
                    e.put("type", "update").put("deviceId", device);
                    if (random.nextBoolean()) {
                        e.put("token", token).put("platform", ios ? "ios" : "android");
                    } else {
                        e.put("locale", locales[random.nextInt(locales.length)]);
                    }
                } else if (kind < 14) {
                    e.put("type", random.nextBoolean() ? "tags_add" : "tags_remove")
                            .put("deviceId", device);
                    e.putArray("tags").add("sports");
                } else if (kind < 17) {
                    e.put("type", "attributes_set");
                    e.putObject("attributes").put("level", random.nextInt(5));
                } else if (kind < 19) {
                    e.put("type", "uninstall").put("deviceId", device);
                } else {
                    e.put("type", "erase_user");
                }
                events.add(JSON.writeValueAsBytes(e));
            }
        }
        return events;
    }
}
