package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.ibm.icu.text.MessageFormat;
import io.herald.experiment.ArmAssignment;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.cli.ReceiptCounts;
import io.herald.job.config.HeraldConfig;
import io.herald.kafka.AudienceUploader;
import io.herald.model.StatusKind;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.api.common.JobStatus;
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
 * Herald end to end on real parts: an in-process Kafka broker, the job on a Flink MiniCluster with
 * RocksDB state and exactly-once checkpoints, Pushy's MockApnsServer and the FCM emulator. Delivery
 * is judged by what the emulators received, device by device.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HeraldEndToEndIT {
    private static final int USERS = 10_000;
    private static final int RUNAWAY_MAX = 5;
    private static final Duration WAIT = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static Sandbox sandbox;
    private static KafkaIO kafka;
    private static JobClient job;
    private static SyntheticUsers users;
    private static SandboxCampaigns campaigns;

    @BeforeAll
    static void startHeraldAndLoadUsers() throws Exception {
        sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
        kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
        campaigns = new SandboxCampaigns(sandbox, kafka);
        users = SyntheticUsers.generate(USERS, 7, 0.02);
        users.registerWith(sandbox);
        // A runaway guard above what any test here sends one user (four campaigns at most), so that
        // only the loop of the last test meets it.
        HeraldConfig.Cap guard = new HeraldConfig.Cap();
        guard.max = RUNAWAY_MAX;
        guard.window = "PT1H";
        sandbox.config().apps.get(0).runawayGuard = guard;
        job = HeraldMain.startEmbedded(sandbox.config(), 0, null);

        long version = SyntheticUsers.registrationVersion();
        String devices = sandbox.config().topics.devices;
        for (SyntheticUsers.Device d : users.devices()) {
            kafka.send(devices, d.userId, d.registerEvent(Sandbox.APP_ID, version));
        }
        // Malformed records, among the good ones, on every input topic.
        kafka.send(devices, "x", bytes("this is not json"));
        kafka.send(
                devices,
                "x",
                bytes("{\"type\":\"register\",\"userId\":\"x\",\"deviceId\":\"y\",\"appId\":\"herald-demo\","
                        + "\"platform\":\"blackberry\",\"token\":\"t\",\"version\":1}"));
        kafka.send(devices, "x", bytes("{\"type\":\"register\",\"userId\":\"x\",\"deviceId\":\"y\"}"));
        kafka.send(sandbox.config().topics.campaigns, "x", bytes("{{{"));
        kafka.send(sandbox.config().topics.audiences, "x", bytes("{\"campaignId\":\"c\"}"));
        kafka.flush();
        assertThat(kafka.awaitConsumed(sandbox.config().kafka.groupId, devices, WAIT, behind -> {}))
                .as("the job took in every device")
                .isTrue();
    }

    @AfterAll
    static void stop() throws Exception {
        SandboxCampaigns.stopAll(job, kafka, sandbox);
    }

    @Test
    @Order(1)
    void malformedInputGoesToDeadLettersWithItsReasonAndTheJobGoesOn() throws Exception {
        List<JsonNode> letters = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                kafka.readAll(sandbox.config().topics.deadLetters, Duration.ofSeconds(3))) {
            letters.add(JSON.readTree(r.value()));
        }
        assertThat(letters)
                .extracting(
                        n -> n.get("topic").asText() + ": " + n.get("reason").asText())
                .containsExactlyInAnyOrder(
                        "devices: malformed JSON: Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')",
                        "devices: platform 'blackberry' is not one of ios, android, web",
                        "devices: version is missing",
                        "campaigns: malformed JSON: Unexpected character ('{' (code 123)): was expecting double-quote to start field name",
                        "audiences: userId is missing");
        assertThat(letters).extracting(n -> n.get("value").asText()).contains("this is not json", "{{{");
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    @Order(2)
    void aBadCampaignIsRejectedWithItsErrorsAndNothingIsSent() throws Exception {
        campaigns.resetCounts();
        String bad =
                "{\"type\":\"create\",\"campaignId\":\"bad-1\",\"appId\":\"no-such-app\",\"audience\":{\"kind\":\"all\"},"
                        + "\"message\":{\"defaultLocale\":\"en\",\"variants\":{\"en\":{\"body\":\"{streak, plural, one {# day}\"}}}}";
        CampaignWatcher watcher = campaigns.fire("bad-1", bytes(bad));
        watcher.awaitDone(Duration.ofSeconds(30), () -> {});
        watcher.poll(Duration.ofSeconds(3));
        // The create is refused whole, with every problem; the fire then finds no campaign.
        assertThat(watcher.statuses())
                .extracting(
                        s -> s.get("status").asText() + ": " + s.path("error").asText())
                .containsExactlyInAnyOrder(
                        "rejected: appId 'no-such-app' is not configured in this deployment; message.variants.en.body "
                                + "is not a valid ICU MessageFormat template: "
                                + icuError("{streak, plural, one {# day}"),
                        "rejected: fire of an unknown campaign");
        assertThat(watcher.receipts()).isZero();
        assertThat(sandbox.received()).isZero();
        watcher.close();
    }

    @Test
    @Order(4)
    void aSegmentReachesEveryTargetedDeviceExactlyOnceInItsLanguageAndNobodyElse() throws Exception {
        campaigns.resetCounts();
        String audience = "{\"kind\":\"segment\",\"locales\":[\"en\",\"pt\",\"es\",\"de\"]}";
        Predicate<SyntheticUsers.Device> inSegment = d -> !d.locale.startsWith("fr") && !d.locale.startsWith("ja");

        // An estimate first: it counts exactly the devices the fire will reach, and sends nothing.
        CampaignWatcher estimating =
                kafka.watch("segment-1", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
        kafka.send(sandbox.config().topics.campaigns, "segment-1", DemoCampaign.create("segment-1", audience));
        kafka.send(sandbox.config().topics.campaigns, "segment-1", DemoCampaign.estimate("segment-1"));
        kafka.flush();
        CampaignWatcher.Estimate estimate = estimating.awaitEstimate(WAIT);
        estimating.close();
        assertThat(estimate).as("an estimate from every instance").isNotNull();
        // Dead tokens were disabled by the campaign before this one: they are suppressed now.
        long reachable = users.devices().stream()
                .filter(inSegment.and(SyntheticUsers.Device::expectsDelivery))
                .count();
        assertThat(estimate.targeted).isEqualTo(reachable);
        assertThat(estimate.refused).isZero();
        assertThat(estimate.users).isEqualTo(USERS);
        assertThat(estimate.byLocale.keySet()).allSatisfy(l -> assertThat(l).matches("(en|pt|es|de).*"));
        assertThat(estimate.byPlatform.values().stream()
                        .mapToLong(Long::longValue)
                        .sum())
                .isEqualTo(reachable);
        assertThat(sandbox.received()).isZero();

        CampaignWatcher watcher = campaigns.fire("segment-1", null);
        // The trigger pressed a second time: nothing more may be sent.
        kafka.send(sandbox.config().topics.campaigns, "segment-1", DemoCampaign.fire("segment-1"));
        kafka.flush();
        assertThat(watcher.awaitDone(WAIT, () -> {}))
                .as("every targeted device got a receipt")
                .isTrue();
        watcher.poll(Duration.ofSeconds(3));
        assertThat(watcher.targeted()).isEqualTo(estimate.targeted);

        long expected = 0;
        for (SyntheticUsers.Device d : users.devices()) {
            TokenRegistry r = campaigns.registry(d);
            if (inSegment.test(d) && d.expectsDelivery()) {
                expected++;
                assertThat(r.received(d.token))
                        .as("notifications to %s", d.deviceId)
                        .isEqualTo(1);
                JsonNode text = alert(d, r.lastPayload(d.token));
                assertThat(text.get("title").asText())
                        .as("title for %s", d.locale)
                        .isEqualTo(expectedTitle(d));
                assertThat(text.get("body").asText())
                        .as("body for %s", d.locale)
                        .isEqualTo(expectedBody(d));
            } else {
                assertThat(r.received(d.token))
                        .as("notifications to %s (not targeted)", d.deviceId)
                        .isZero();
            }
        }
        assertThat(expected).isGreaterThan(USERS / 2);
        assertThat(watcher.outcome("delivered")).isEqualTo(expected);
        assertThat(watcher.duplicateReceipts()).isZero();
        assertThat(watcher.statuses()).extracting(s -> s.get("status").asText()).contains("ignored");
    }

    @Test
    @Order(3)
    void deadTokensGetReceiptsAndAreDisabledSoTheNextCampaignSkipsThem() throws Exception {
        campaigns.resetCounts();
        CampaignWatcher first = campaigns.fire("all-1", DemoCampaign.create("all-1", DemoCampaign.ALL));
        assertThat(first.awaitDone(WAIT, () -> {})).isTrue();
        long dead = users.devices().stream().filter(d -> d.deadToken && d.optIn).count();
        long live = users.devices().stream()
                .filter(SyntheticUsers.Device::expectsDelivery)
                .count();
        assertThat(dead).isGreaterThan(50);
        assertThat(first.outcome("token_dead")).isEqualTo(dead);
        assertThat(first.outcome("delivered")).isEqualTo(live);
        assertThat(first.failureReasons().keySet())
                .containsExactlyInAnyOrder(
                        "ios Unregistered", "android UNREGISTERED", "web HTTP 410: Subscription expired");
        // The job's totals of the campaign's receipts (what `campaign status` and `watch` read, from the
        // campaign's status records alone) come to what the receipts themselves say.
        try (CampaignWatcher totals = new CampaignWatcher(
                kafka.properties(),
                "all-1",
                null,
                sandbox.config().topics.campaignStatus,
                CampaignWatcher.From.EARLIEST)) {
            assertThat(totals.awaitUntil(WAIT, () -> {}, () -> totals.counts().receipts() == first.receipts()))
                    .as("the job's totals count every receipt")
                    .isTrue();
            ReceiptCounts job = totals.counts();
            ReceiptCounts read = first.counts();
            assertThat(job.byOutcome()).isEqualTo(read.byOutcome());
            assertThat(job.failures()).isEqualTo(read.failures());
            assertThat(job.notifications()).isEqualTo(read.notifications());
            for (String q : List.of("p50", "p99")) {
                long wanted = read.latencyMs().get(q);
                assertThat(job.latencyMs().get(q))
                        .as("fire-to-ack %s", q)
                        .isCloseTo(wanted, within(Math.max(2L, wanted / 20)));
            }
            assertThat(totals.isDone()).as("done, by the job's totals").isTrue();
            assertThat(totals.receipts()).as("no receipt read").isZero();
        }

        // The job wrote the dead tokens back to the devices topic; wait until it has read them.
        assertThat(kafka.awaitConsumed(sandbox.config().kafka.groupId, sandbox.config().topics.devices, WAIT, b -> {}))
                .isTrue();
        campaigns.resetCounts();
        CampaignWatcher second = campaigns.fire("all-2", DemoCampaign.create("all-2", DemoCampaign.ALL));
        assertThat(second.awaitDone(WAIT, () -> {})).isTrue();
        assertThat(second.outcome("token_dead")).isZero();
        assertThat(second.targeted()).isEqualTo(first.targeted() - dead);
        assertThat(second.suppressed()).isEqualTo(first.suppressed() + dead);
        for (SyntheticUsers.Device d : users.devices()) {
            assertThat(campaigns.registry(d).received(d.token))
                    .as("notifications to %s", d.deviceId)
                    .isEqualTo(d.expectsDelivery() ? 1 : 0);
        }
        assertThat(job.getJobStatus().get()).isEqualTo(JobStatus.RUNNING);
        first.close();
        second.close();
    }

    @Test
    @Order(5)
    void aListCampaignReachesExactlyTheUploadedUsers() throws Exception {
        Set<String> listed = new HashSet<>();
        Path csv = dir.resolve("audience.csv");
        List<String> lines = new ArrayList<>(List.of("userId,plan"));
        for (int u = 0; u < USERS; u += 37) {
            String userId = String.format("u%08d", u);
            listed.add(userId);
            lines.add(u % 2 == 0 ? userId + ",pro" : "\"" + userId + "\",free");
        }
        Files.write(csv, lines);
        long rows = AudienceUploader.upload(
                csv,
                "list-1",
                sandbox.config().kafka.bootstrapServers,
                Map.of(),
                sandbox.config().topics.audiences,
                b -> {});
        assertThat(rows).isEqualTo(listed.size());
        assertThat(kafka.awaitConsumed(
                        sandbox.config().kafka.groupId, sandbox.config().topics.audiences, WAIT, b -> {}))
                .isTrue();
        campaigns.resetCounts();
        CampaignWatcher watcher = campaigns.fire("list-1", DemoCampaign.create("list-1", "{\"kind\":\"list\"}"));
        assertThat(watcher.awaitDone(WAIT, () -> {})).isTrue();
        long expected = 0;
        for (SyntheticUsers.Device d : users.devices()) {
            boolean target = listed.contains(d.userId) && d.expectsDelivery();
            expected += target ? 1 : 0;
            assertThat(campaigns.registry(d).received(d.token))
                    .as("notifications to %s", d.deviceId)
                    .isEqualTo(target ? 1 : 0);
        }
        assertThat(expected).isGreaterThan(200);
        assertThat(watcher.outcome("delivered")).isEqualTo(expected);
        watcher.close();
    }

    @Test
    @Order(6)
    void anExperimentsArmsReachTheirUsersAndTheHoldoutNothing_countedAtTheEmulators() throws Exception {
        // French and Japanese devices: the segment's campaign left them out, so no user here reaches
        // the runaway guard's five.
        Predicate<SyntheticUsers.Device> inAudience = d -> d.locale.startsWith("fr") || d.locale.startsWith("ja");
        String create = "{\"type\":\"create\",\"campaignId\":\"exp-1\",\"appId\":\"" + Sandbox.APP_ID + "\","
                + "\"audience\":{\"kind\":\"segment\",\"locales\":[\"fr\",\"ja\"]},\"holdout\":0.2,\"arms\":["
                + "{\"name\":\"plain\",\"message\":{\"defaultLocale\":\"en\",\"defaults\":{\"name\":\"friend\"},"
                + "\"variants\":{\"en\":{\"title\":\"Plain {name}\",\"body\":\"A sale\"}}}},"
                + "{\"name\":\"bold\",\"weight\":3,\"message\":{\"defaultLocale\":\"en\",\"defaults\":{\"name\":\"friend\"},"
                + "\"variants\":{\"en\":{\"title\":\"BOLD {name}\",\"body\":\"A sale!\"}}}}]}";
        ArmAssignment arms = ArmAssignment.of("exp-1", List.of(1, 3), 0.2);
        Map<String, Long> expectedByArm = new TreeMap<>();
        long heldOut = 0;
        for (SyntheticUsers.Device d : users.devices()) {
            if (inAudience.test(d) && d.expectsDelivery()) {
                int arm = arms.armOf(d.userId);
                if (arm == ArmAssignment.HOLDOUT) {
                    heldOut++;
                } else {
                    expectedByArm.merge(arm == 0 ? "plain" : "bold", 1L, Long::sum);
                }
            }
        }
        CampaignWatcher estimating = campaigns.watch("exp-1");
        kafka.send(campaigns.topic(), "exp-1", bytes(create));
        kafka.send(campaigns.topic(), "exp-1", DemoCampaign.estimate("exp-1"));
        kafka.flush();
        CampaignWatcher.Estimate estimate = estimating.awaitEstimate(WAIT);
        estimating.close();
        assertThat(estimate).as("an estimate from every instance").isNotNull();
        assertThat(estimate.byArm).isEqualTo(expectedByArm);
        assertThat(estimate.heldOut).isEqualTo(heldOut);
        assertThat(heldOut).isGreaterThan(50);

        campaigns.resetCounts();
        CampaignWatcher watcher = campaigns.fire("exp-1", null);
        assertThat(watcher.awaitDone(WAIT, () -> {})).isTrue();
        long sent = 0;
        for (SyntheticUsers.Device d : users.devices()) {
            TokenRegistry r = campaigns.registry(d);
            int arm = arms.armOf(d.userId);
            if (inAudience.test(d) && d.expectsDelivery() && arm != ArmAssignment.HOLDOUT) {
                sent++;
                assertThat(r.received(d.token))
                        .as("notifications to %s", d.deviceId)
                        .isEqualTo(1);
                assertThat(alert(d, r.lastPayload(d.token)).get("title").asText())
                        .as("the title of %s's arm", d.userId)
                        .isEqualTo((arm == 0 ? "Plain " : "BOLD ") + d.name);
            } else {
                assertThat(r.received(d.token))
                        .as("notifications to %s", d.deviceId)
                        .isZero();
            }
        }
        assertThat(watcher.outcome("delivered")).isEqualTo(sent);
        assertThat(watcher.targeted()).isEqualTo(sent);
        // Each receipt names its user's arm.
        Map<String, Long> receiptsByArm = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                kafka.readAll(sandbox.config().topics.receipts, Duration.ofSeconds(2))) {
            JsonNode receipt = JSON.readTree(r.value());
            if (receipt.path("campaignId").asText().equals("exp-1")) {
                int arm = arms.armOf(receipt.path("userId").asText());
                assertThat(receipt.path("arm").asText()).isEqualTo(arm == 0 ? "plain" : "bold");
                receiptsByArm.merge(receipt.path("arm").asText(), 1L, Long::sum);
            }
        }
        assertThat(receiptsByArm).isEqualTo(expectedByArm);
        watcher.close();
    }

    @Test
    @Order(8)
    void deviceStateLivesInRocksDbWithIncrementalCheckpoints() throws Exception {
        Path checkpoints = Path.of(URI.create(sandbox.config().checkpointing.directory));
        try (var files = Files.walk(checkpoints)) {
            // Incremental RocksDB checkpoints upload their SST files to shared/; the heap backend writes none.
            assertThat(files.filter(Files::isRegularFile).map(Path::toString)).anyMatch(f -> f.contains("/shared/"));
        }
    }

    @Test
    @Order(7)
    void theRunawayGuardCapsALoopOfSendsToOneUser_countedAtTheEmulators() throws Exception {
        // A user of its own, with an iPhone and an Android phone, live at both emulators.
        String user = "looping-user";
        String apnsToken = "5e".repeat(32);
        String fcmToken = "fcm-looping-user-phone";
        sandbox.apns().tokens().addLive(apnsToken);
        sandbox.fcm().tokens().addLive(fcmToken);
        String devices = sandbox.config().topics.devices;
        long version = System.currentTimeMillis();
        kafka.send(devices, user, register(user, "loop-ios", "ios", apnsToken, version));
        kafka.send(devices, user, register(user, "loop-android", "android", fcmToken, version));
        kafka.flush();
        assertThat(kafka.awaitConsumed(sandbox.config().kafka.groupId, devices, WAIT, b -> {}))
                .isTrue();

        // An upstream loop: the same password reset, twelve times.
        CampaignWatcher watcher = campaigns.watch("reset");
        kafka.send(campaigns.topic(), "reset", DemoCampaign.create("reset", DemoCampaign.ALL));
        int loops = 12;
        for (int i = 0; i < loops; i++) {
            kafka.send(campaigns.topic(), user, DemoCampaign.send("reset", user, "loop-" + i));
        }
        kafka.flush();
        assertThat(watcher.awaitUntil(WAIT, () -> {}, () -> watcher.receipts() == 2L * loops))
                .as("a receipt for each device of each send")
                .isTrue();
        assertThat(watcher.duplicateReceipts()).isZero();
        assertThat(watcher.outcome("delivered")).isEqualTo(2L * RUNAWAY_MAX);
        assertThat(watcher.outcome("capped")).isEqualTo(2L * (loops - RUNAWAY_MAX));
        assertThat(watcher.failureReasons())
                .containsOnlyKeys(
                        "ios runaway guard: 5 notifications per user in PT1H reached"
                                + " (apps.herald-demo.runawayGuard)",
                        "android runaway guard: 5 notifications per user in PT1H reached"
                                + " (apps.herald-demo.runawayGuard)");
        // Counted at the emulators: each phone got the guard's five, not twelve.
        assertThat(sandbox.apns().tokens().received(apnsToken)).isEqualTo(RUNAWAY_MAX);
        assertThat(sandbox.fcm().tokens().received(fcmToken)).isEqualTo(RUNAWAY_MAX);
        // One alert names the user, however many sends it capped.
        watcher.readToEnd(Duration.ofSeconds(5));
        assertThat(watcher.statuses(StatusKind.RUNAWAY)).singleElement().satisfies(a -> {
            assertThat(a.path("userId").asText()).isEqualTo(user);
            assertThat(a.path("appId").asText()).isEqualTo(Sandbox.APP_ID);
            assertThat(a.path("error").asText()).contains("apps.herald-demo.runawayGuard");
        });
        assertThat(watcher.statuses(StatusKind.SENT)).hasSize(loops);
        watcher.close();
    }

    private static byte[] register(String user, String device, String platform, String token, long version) {
        return bytes("{\"type\":\"register\",\"userId\":\"" + user + "\",\"deviceId\":\"" + device
                + "\",\"appId\":\"" + Sandbox.APP_ID + "\",\"platform\":\"" + platform + "\",\"token\":\""
                + token + "\",\"locale\":\"en-US\",\"optIn\":true,\"version\":" + version + "}");
    }

    /** Creates (unless {@code create} is null: already created) and fires a campaign. */
    private static JsonNode alert(SyntheticUsers.Device d, String payload) throws Exception {
        JsonNode n = JSON.readTree(payload);
        return SyntheticUsers.alert(d.platform, n);
    }

    /** The demo campaign's title, written out by hand per language. */
    private static String expectedTitle(SyntheticUsers.Device d) {
        if (d.locale.equals("pt-BR")) {
            return "Oi " + d.name + "!";
        }
        switch (d.locale.substring(0, 2)) {
            case "pt":
                return "Olá " + d.name + "!";
            case "es":
                return "¡Hola " + d.name + "!";
            case "de":
                return "Hallo " + d.name + "!";
            default:
                return "Hi " + d.name + "!";
        }
    }

    /** The body, with each language's plural rule spelled out (Brazil counts 0 as singular, Portugal does not). */
    private static String expectedBody(SyntheticUsers.Device d) {
        int n = d.streak;
        boolean one = n == 1 || (n == 0 && d.locale.equals("pt-BR"));
        switch (d.locale.substring(0, 2)) {
            case "pt":
                return "Sua sequência é de " + n + (one ? " dia." : " dias.");
            case "es":
                return "Llevas " + n + (one ? " día" : " días") + " seguidos.";
            case "de":
                return "Deine Serie: " + n + (one ? " Tag." : " Tage.");
            default:
                return "You are on a " + n + (one ? " day" : " days") + " streak.";
        }
    }

    private static String icuError(String pattern) {
        try {
            new MessageFormat(pattern);
            throw new AssertionError("ICU accepted " + pattern);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
