package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile values for every field of every input topic, sent through a real Kafka broker to the
 * running job, as a producer in any language could write them: missing, null, each wrong JSON type,
 * empty, 100 KB, control characters, half a character (a lone surrogate, JSON-escaped); and whole
 * records that are broken JSON, invalid UTF-8, nested too deep, not an object or empty. Every one
 * must come back refused: a dead letter whose reason names the field (or says the record is
 * unreadable), or, for a campaign definition, a rejection on {@code campaign-status} naming it.
 * Nothing is accepted silently; the job never restarts; and a valid campaign afterwards is
 * delivered to every device.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class HostileInputIT {
    /** Where {@link #withHalfCharacters} puts half a character. */
    private static final String HALF = "@half-a-character@";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory N = JsonNodeFactory.instance;
    private static final String HUGE = "x".repeat(100_000);
    private static final String APNS_TOKEN = "ab".repeat(32);

    @TempDir
    Path dir;

    /** One hostile record: where it went, and what its refusal must name. */
    private record Sent(String where, String field, String description) {}

    @Test
    void everyHostileValueIsRefusedNamingItsFieldAndAValidCampaignIsStillDelivered() throws Exception {
        int restPort;
        try (ServerSocket s = new ServerSocket(0)) {
            restPort = s.getLocalPort();
        }
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            Configuration cluster = new Configuration();
            cluster.set(RestOptions.PORT, restPort);
            JobClient job = HeraldMain.startEmbedded(sandbox.config(), cluster, null);
            try {
                SyntheticUsers users = SyntheticUsers.generate(300, 3, 0.02);
                users.registerWith(sandbox);
                assertThat(users.load(sandbox, kafka, Duration.ofMinutes(3), b -> {}))
                        .isTrue();

                Map<String, Sent> deadLettered = new LinkedHashMap<>();
                Map<String, Sent> rejected = new LinkedHashMap<>();
                String devices = sandbox.config().topics.devices;
                String audiences = sandbox.config().topics.audiences;
                String campaigns = sandbox.config().topics.campaigns;

                for (ObjectNode base : List.of(register(), attributesUnset(), tokenRejected())) {
                    hostile(
                            base,
                            List.of("type", "userId", "version"),
                            (field, desc, bytes) -> deadLettered.put(
                                    devices + ":" + kafka.sendNow(devices, "hostile", bytes),
                                    new Sent(devices, field, desc)));
                }
                hostile(
                        audienceRow(),
                        List.of("campaignId", "userId"),
                        (field, desc, bytes) -> deadLettered.put(
                                audiences + ":" + kafka.sendNow(audiences, "hostile", bytes),
                                new Sent(audiences, field, desc)));
                String interactions = sandbox.config().topics.interactions;
                for (ObjectNode base : List.of(opened(), event())) {
                    hostile(
                            base,
                            List.of("type", "userId", base.has("name") ? "name" : "campaignId"),
                            (field, desc, bytes) -> deadLettered.put(
                                    interactions + ":" + kafka.sendNow(interactions, "hostile", bytes),
                                    new Sent(interactions, field, desc)));
                }
                for (ObjectNode base : List.of(fire(), send(), winner())) {
                    hostile(
                            base,
                            List.of("type", "campaignId", "userId", "arm"),
                            (field, desc, bytes) -> deadLettered.put(
                                    campaigns + ":" + kafka.sendNow(campaigns, "hostile", bytes),
                                    new Sent(campaigns, field, desc)));
                }
                // Campaign definitions: refused on campaign-status, where their sender looks.
                int[] n = {0};
                hostileCampaign((field, desc, create) -> {
                    String id = "hostile-" + (n[0]++);
                    create.put("campaignId", id);
                    rejected.put(id, new Sent(campaigns, field, desc));
                    kafka.sendNow(campaigns, id, withHalfCharacters(JSON.writeValueAsString(create)));
                });
                System.out.printf(
                        "Hostile records sent: %d to be dead-lettered, %d campaign definitions to be rejected%n",
                        deadLettered.size(), rejected.size());

                // Every dead letter, matched to what was sent by topic, partition and offset.
                Map<String, String> reasons = new HashMap<>();
                long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (reasons.size() < deadLettered.size() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r :
                            kafka.readAll(sandbox.config().topics.deadLetters, Duration.ofSeconds(2))) {
                        JsonNode d = JSON.readTree(r.value());
                        reasons.put(
                                d.get("topic").asText() + ":"
                                        + d.get("partition").asInt() + "/"
                                        + d.get("offset").asLong(),
                                d.get("reason").asText());
                    }
                }
                List<String> problems = new ArrayList<>();
                deadLettered.forEach((where, sent) -> {
                    String reason = reasons.get(where);
                    if (reason == null) {
                        problems.add("accepted silently: " + sent.where() + " " + sent.description());
                    } else if (!names(reason, sent.field())) {
                        problems.add(
                                sent.description() + " -> dead letter '" + reason + "' does not name " + sent.field());
                    }
                });
                Map<String, String> errors = new HashMap<>();
                deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
                while (errors.size() < rejected.size() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r :
                            kafka.readAll(sandbox.config().topics.campaignStatus, Duration.ofSeconds(2))) {
                        JsonNode st = JSON.readTree(r.value());
                        String id = st.path("campaignId").asText();
                        // (Each record's audit entry is the trail, not the job's answer.)
                        if (rejected.containsKey(id)
                                && !StatusKind.AUDIT
                                        .wire()
                                        .equals(st.path("status").asText())) {
                            errors.put(
                                    id,
                                    st.path("status").asText() + ": "
                                            + st.path("error").asText());
                        }
                    }
                }
                rejected.forEach((id, sent) -> {
                    String error = errors.get(id);
                    if (error == null || !error.startsWith(StatusKind.REJECTED.wire() + ":")) {
                        problems.add("campaign " + sent.description() + " -> " + (error == null ? "no status" : error));
                    } else if (!names(error, sent.field())) {
                        problems.add(
                                "campaign " + sent.description() + " -> '" + error + "' does not name " + sent.field());
                    }
                });
                assertThat(problems)
                        .as("hostile records not refused with their field named")
                        .isEmpty();

                // The job took it all without a restart, and still delivers a valid campaign to everyone.
                assertThat(failuresSoFar(restPort, job))
                        .as("the job's failure history")
                        .isEmpty();
                CampaignWatcher watcher = kafka.watch(
                        "after-the-storm", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
                kafka.send(campaigns, "after-the-storm", DemoCampaign.create("after-the-storm", DemoCampaign.ALL));
                kafka.send(campaigns, "after-the-storm", DemoCampaign.fire("after-the-storm"));
                kafka.flush();
                assertThat(watcher.awaitDone(Duration.ofMinutes(2), () -> {})).isTrue();
                EmulatorCounts counts = EmulatorCounts.of(users, sandbox, 1);
                assertThat(counts.exact()).as("%s", counts).isTrue();
                assertThat(watcher.outcome("delivered")).isEqualTo(counts.expected);
                watcher.close();
            } finally {
                job.cancel().get();
            }
        }
    }

    /** Whether a refusal names {@code field} (its last part, for a nested one); null: the whole record. */
    private static boolean names(String reason, String field) {
        if (field == null) {
            return reason.startsWith("malformed JSON")
                    || reason.equals("not a JSON object")
                    || reason.equals("empty record value");
        }
        String leaf = field.substring(field.lastIndexOf('.') + 1);
        return reason.contains(leaf);
    }

    @FunctionalInterface
    private interface Sink<T> {
        void accept(String field, String description, T value) throws Exception;
    }

    /**
     * Every hostile variant of {@code base}: for each of its fields (recursing into objects), null,
     * each JSON type it is not, and for strings empty, 100 KB and a control character; missing for
     * the {@code required} ones; and the record-level breakages.
     */
    private static void hostile(ObjectNode base, List<String> required, Sink<byte[]> out) throws Exception {
        List<String> fields = new ArrayList<>();
        base.fieldNames().forEachRemaining(fields::add);
        for (String field : fields) {
            for (Map.Entry<String, JsonNode> v : wrongValues(base.get(field)).entrySet()) {
                ObjectNode copy = base.deepCopy();
                copy.set(field, v.getValue());
                out.accept(field, field + " " + v.getKey(), withHalfCharacters(JSON.writeValueAsString(copy)));
            }
            if (required.contains(field)) {
                ObjectNode copy = base.deepCopy();
                copy.remove(field);
                out.accept(field, field + " missing", JSON.writeValueAsBytes(copy));
            }
        }
        String json = JSON.writeValueAsString(base);
        out.accept(null, "broken JSON", json.substring(0, json.length() - 3).getBytes(StandardCharsets.UTF_8));
        byte[] invalidUtf8 =
                json.replaceFirst("\"([^\"]*)\"\\}$", "\"\u00e9\"}").getBytes(StandardCharsets.UTF_8);
        invalidUtf8[invalidUtf8.length - 3] = (byte) 0xC3;
        invalidUtf8[invalidUtf8.length - 4] = (byte) 0xFF;
        out.accept(null, "invalid UTF-8", invalidUtf8);
        out.accept(
                null,
                "nested 40 deep",
                ("{\"deep\":" + "[".repeat(40) + "]".repeat(40) + "}").getBytes(StandardCharsets.UTF_8));
        out.accept(null, "not an object", "[1,2]".getBytes(StandardCharsets.UTF_8));
        out.accept(null, "empty", new byte[0]);
    }

    /**
     * The record's bytes, with each {@link #HALF} as the JSON escape of half a character (a lone
     * surrogate), as a client in JavaScript writes one: Jackson will not write it.
     */
    private static byte[] withHalfCharacters(String json) {
        return json.replace(HALF, "\\ud800").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Null, every JSON type the value is not, and for strings: empty, 100 KB, a control character,
     * half a character.
     */
    private static Map<String, JsonNode> wrongValues(JsonNode right) {
        Map<String, JsonNode> v = new LinkedHashMap<>();
        v.put("null", N.nullNode());
        if (!right.isTextual()) {
            v.put("a string", N.textNode("5"));
        }
        if (!right.isNumber()) {
            v.put("a number", N.numberNode(5));
        }
        if (right.isIntegralNumber()) {
            v.put("a fraction", N.numberNode(1.5));
        }
        if (!right.isBoolean()) {
            v.put("a boolean", N.booleanNode(true));
        }
        if (!right.isArray()) {
            v.put("an array", N.arrayNode().add("a"));
        } else {
            v.put("an array of numbers", N.arrayNode().add(1));
        }
        if (!right.isObject()) {
            v.put("an object", N.objectNode().put("a", 1));
        }
        if (right.isTextual()) {
            v.put("empty", N.textNode(""));
            v.put("100 KB", N.textNode(HUGE));
            v.put(
                    "with a control character",
                    N.textNode(right.textValue().substring(0, 1) + "\u0000"
                            + right.textValue().substring(1)));
            v.put(
                    "with half a character",
                    N.textNode(right.textValue().substring(0, 1)
                            + HALF
                            + right.textValue().substring(1)));
        }
        return v;
    }

    /** Hostile campaign definitions: each field and nested field of a valid create, made wrong. */
    private static void hostileCampaign(Sink<ObjectNode> out) throws Exception {
        ObjectNode base = (ObjectNode) JSON.readTree(DemoCampaign.create("base", DemoCampaign.ALL));
        base.put("expiresAt", System.currentTimeMillis() + 3_600_000L);
        base.put("maxPerSecond", 100);
        base.put("collapseId", "c");
        base.put("spreadOver", "PT10M");
        base.set("schedule", N.objectNode().put("at", System.currentTimeMillis() + 1_800_000L));
        base.set(
                "quietHours",
                N.objectNode().put("from", "22:00").put("to", "08:00").put("action", "hold"));
        base.put("capExempt", false);
        base.put("holdout", 0.1);
        base.set("conversion", N.objectNode().put("event", "purchase").put("within", "PT24H"));
        base.remove("campaignId");
        ObjectNode local = base.deepCopy();
        local.set(
                "schedule",
                N.objectNode()
                        .put("date", "2030-01-01")
                        .put("localTime", "09:00")
                        .put("defaultTimezone", "Europe/London")
                        .put("passedZones", "skip"));
        hostileFields(
                base,
                List.of(
                        "appId",
                        "audience",
                        "message",
                        "expiresAt",
                        "maxPerSecond",
                        "collapseId",
                        "spreadOver",
                        "schedule",
                        "schedule.at",
                        "quietHours",
                        "quietHours.from",
                        "quietHours.to",
                        "quietHours.action",
                        "capExempt",
                        "holdout",
                        "conversion",
                        "conversion.event",
                        "conversion.within",
                        "audience.kind",
                        "message.defaultLocale",
                        "message.variants",
                        "message.defaults",
                        "message.data",
                        "message.sound"),
                out);
        hostileFields(
                local,
                List.of("schedule.localTime", "schedule.date", "schedule.defaultTimezone", "schedule.passedZones"),
                out);
        ObjectNode noAudience = base.deepCopy();
        noAudience.remove("audience");
        out.accept("audience", "audience missing", noAudience);
        ObjectNode emptyAudience = base.deepCopy();
        emptyAudience.set("audience", N.objectNode());
        out.accept("audience.kind", "audience {}", emptyAudience);
        ObjectNode badKind = base.deepCopy();
        ((ObjectNode) badKind.get("audience")).put("kind", "everyone");
        out.accept("audience.kind", "audience.kind everyone", badKind);
    }

    /** Each field at {@code paths} of {@code base} (a valid create), made wrong in every way that applies. */
    private static void hostileFields(ObjectNode base, List<String> paths, Sink<ObjectNode> out) throws Exception {
        for (String path : paths) {
            String[] parts = path.split("\\.");
            ObjectNode parent = parts.length == 1 ? base : (ObjectNode) base.get(parts[0]);
            String leaf = parts[parts.length - 1];
            JsonNode right = parent.get(leaf);
            for (Map.Entry<String, JsonNode> v : wrongValues(right).entrySet()) {
                ObjectNode copy = base.deepCopy();
                ObjectNode p = parts.length == 1 ? copy : (ObjectNode) copy.get(parts[0]);
                p.set(leaf, v.getValue());
                out.accept(path, path + " " + v.getKey(), copy);
            }
        }
    }

    private static ObjectNode register() {
        ObjectNode r = N.objectNode();
        r.put("type", "register")
                .put("userId", "hostile-user")
                .put("deviceId", "hostile-device")
                .put("appId", Sandbox.APP_ID)
                .put("platform", "ios")
                .put("token", APNS_TOKEN)
                .put("locale", "en-US")
                .put("timezone", "Europe/Lisbon")
                .put("appVersion", "1.0.0")
                .put("optIn", true)
                .put("lastSeen", 1L);
        r.set("tags", N.arrayNode().add("sports"));
        r.set("attributes", N.objectNode().put("name", "Ana"));
        r.put("version", 1L);
        return r;
    }

    private static ObjectNode attributesUnset() {
        ObjectNode r = N.objectNode().put("type", "attributes_unset").put("userId", "hostile-user");
        r.set("unset", N.arrayNode().add("name"));
        return r.put("version", 2L);
    }

    private static ObjectNode tokenRejected() {
        return N.objectNode()
                .put("type", "token_rejected")
                .put("userId", "hostile-user")
                .put("deviceId", "hostile-device")
                .put("token", APNS_TOKEN)
                .put("reason", "Unregistered")
                .put("version", 3L);
    }

    private static ObjectNode audienceRow() {
        return N.objectNode().put("campaignId", "hostile-list").put("userId", "hostile-user");
    }

    private static ObjectNode opened() {
        return N.objectNode()
                .put("type", "opened")
                .put("userId", "hostile-user")
                .put("campaignId", "hostile-c")
                .put("notificationId", "hostile-c/d1")
                .put("at", 1_764_000_000_000L)
                .put("eventId", "e1");
    }

    private static ObjectNode event() {
        return N.objectNode()
                .put("type", "event")
                .put("userId", "hostile-user")
                .put("appId", Sandbox.APP_ID)
                .put("value", 12.5)
                .put("at", 1_764_000_000_000L)
                .put("name", "purchase"); // a text last: the invalid UTF-8 goes into it
    }

    private static ObjectNode winner() {
        return N.objectNode()
                .put("type", "winner")
                .put("campaignId", "hostile-test")
                .put("arm", "bold");
    }

    private static ObjectNode fire() {
        return N.objectNode().put("type", "fire").put("campaignId", "hostile-fire");
    }

    private static ObjectNode send() {
        return N.objectNode()
                .put("type", "send")
                .put("campaignId", "hostile-send")
                .put("userId", "hostile-user")
                .put("sendId", "s1");
    }

    /** The exceptions that failed (and so restarted) the job, from Flink's REST API. */
    private static List<String> failuresSoFar(int restPort, JobClient job) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        "http://localhost:" + restPort + "/jobs/" + job.getJobID() + "/exceptions"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        List<String> failures = new ArrayList<>();
        JSON.readTree(r.body())
                .path("exceptionHistory")
                .path("entries")
                .forEach(e -> failures.add(e.path("exceptionName").asText()));
        return failures;
    }
}
