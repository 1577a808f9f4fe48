package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.experiment.ArmAssignment;
import io.herald.experiment.Proportions;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.model.StatusKind;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.DemoExperiment;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticApp;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An experiment end to end on real parts (Kafka, the job on a MiniCluster with RocksDB, both
 * emulators): a campaign with two arms, a holdout and a conversion; the sandbox's synthetic app opens
 * and converts with known probabilities that differ by arm, reporting some events twice; the job's
 * {@code results} record counts exactly what was reported, once each, and its intervals cover the
 * probabilities, through a stop with savepoint between two halves of the reports. Then a replay: the
 * job started again from that savepoint reads the second half again and comes to the same counts, not
 * more.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ExperimentIT {
    private static final int USERS = 6_000;
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final Map<String, SyntheticApp.Behaviour> TRUTH = DemoExperiment.TRUTH;

    @TempDir
    Path dir;

    @Test
    void armsAndAHoldoutAreMeasured_opensAndConversionsCountedOnceEach_evenInAReplay() throws Exception {
        Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
        KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
        JobClient job = null;
        try {
            job = HeraldMain.startEmbedded(sandbox.config(), 0, null);
            SyntheticUsers users = load(sandbox, kafka, 29);

            CampaignWatcher watcher =
                    kafka.watch("exp", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
            kafka.send(sandbox.config().topics.campaigns, "exp", DemoExperiment.create("exp"));
            kafka.send(sandbox.config().topics.campaigns, "exp", DemoCampaign.fire("exp"));
            kafka.flush();
            assertThat(watcher.awaitDone(WAIT, () -> {}))
                    .as("every targeted device has a receipt")
                    .isTrue();
            // Half the users report first; a savepoint; then the other half. (A savepoint taken before
            // anything is on the interactions topic would be replayed from the consumer group's offsets:
            // see the note on replays in the README.)
            SyntheticApp app = new SyntheticApp(sandbox, kafka, 5);
            Map<String, SyntheticApp.Reported> first =
                    DemoExperiment.react(app, "exp", users.users(u -> u.hashCode() % 2 == 0));
            assertThat(watcher.awaitUntil(WAIT, () -> {}, () -> converted(lastResults(watcher)) == sum(first)))
                    .as("results that count the first half's conversions, " + first)
                    .isTrue();
            String between = job.stopWithSavepoint(
                            false, dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                    .get();
            job = HeraldMain.startEmbedded(sandbox.config(), 0, between);
            Map<String, SyntheticApp.Reported> reported =
                    SyntheticApp.add(first, DemoExperiment.react(app, "exp", users.users(u -> u.hashCode() % 2 != 0)));
            assertThat(reported.keySet()).containsExactly("bold", "holdout", "plain");
            long conversions = sum(reported);

            // The results record that has counted every report; nothing more comes after it.
            assertThat(watcher.awaitUntil(WAIT, () -> {}, () -> converted(lastResults(watcher)) == conversions))
                    .as("results that count every conversion reported, " + reported)
                    .isTrue();
            watcher.poll(Duration.ofSeconds(3));
            System.out.println("Results: " + lastResults(watcher));
            checkResults(lastResults(watcher), reported, sandbox, users);
            // What an operator sees: `campaign status` prints the arms side by side.
            HeraldCli.Run status = HeraldCli.run(
                    dir,
                    "campaign",
                    "status",
                    "exp",
                    "--config",
                    sandbox.configFile().toString());
            assertThat(status.out())
                    .contains("Results (95% intervals; conversion per user, lift over the holdout):")
                    .containsPattern("(?m)^  bold +" + String.format("%,d", reported.get("bold").users) + " ")
                    .containsPattern("(?m)^  plain +" + String.format("%,d", reported.get("plain").users) + " ")
                    .containsPattern("(?m)^  holdout +" + String.format("%,d", reported.get("holdout").users) + " ");

            // The replay: started again from the savepoint between the halves, the job reads the second
            // half again; its results come to the same counts, never more.
            job.cancel().get();
            CampaignWatcher replayed = new CampaignWatcher(
                    kafka.properties(),
                    "exp",
                    sandbox.config().topics.receipts,
                    sandbox.config().topics.campaignStatus,
                    CampaignWatcher.From.NOW);
            job = HeraldMain.startEmbedded(sandbox.config(), 0, between);
            assertThat(replayed.awaitUntil(WAIT, () -> {}, () -> converted(lastResults(replayed)) == conversions))
                    .as("the replay's results count every conversion once")
                    .isTrue();
            replayed.poll(Duration.ofSeconds(4));
            assertThat(replayed.statuses(StatusKind.RESULTS))
                    .allSatisfy(r -> assertThat(converted(r)).isLessThanOrEqualTo(conversions));
            checkResults(lastResults(replayed), reported, sandbox, users);
            replayed.close();
            watcher.close();
        } finally {
            SandboxCampaigns.stopAll(job, kafka, sandbox);
        }
    }

    @Test
    void aTestDecidesItsWinnerFromTheUsersConversions_andTheRestGetTheWinnerOnce_countedAtTheEmulators()
            throws Exception {
        Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
        KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
        JobClient job = null;
        try {
            job = HeraldMain.startEmbedded(sandbox.config(), 0, null);
            SyntheticUsers users = load(sandbox, kafka, 31);
            CampaignWatcher watcher =
                    kafka.watch("ab", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
            kafka.send(sandbox.config().topics.campaigns, "ab", DemoExperiment.createTested("ab", 0.5, "PT30S"));
            kafka.send(sandbox.config().topics.campaigns, "ab", DemoCampaign.fire("ab"));
            kafka.flush();
            assertThat(watcher.awaitDone(WAIT, () -> {}))
                    .as("the test's share has its receipts")
                    .isTrue();
            long tested = sandbox.received();
            // Only the test's users react (the others have nothing yet): bold converts far better.
            DemoExperiment.react(
                    new SyntheticApp(sandbox, kafka, 7), "ab", users.users(u -> ArmAssignment.inTest("ab", u, 0.5)));
            assertThat(watcher.awaitUntil(
                            WAIT,
                            () -> {},
                            () -> !watcher.statuses(StatusKind.DECIDED).isEmpty()))
                    .as("the test is decided")
                    .isTrue();
            JsonNode decided = watcher.statuses(StatusKind.DECIDED).get(0);
            System.out.println("Decided: " + decided);
            assertThat(decided.path("winner").asText()).isEqualTo("bold");
            assertThat(decided.path("decided").asBoolean()).isTrue();
            assertThat(decided.path("pValues").path("plain").asDouble()).isLessThan(0.05);

            // Every reachable device of a user not held out gets exactly one notification: its arm in
            // the test, bold after it.
            ArmAssignment arms = ArmAssignment.of("ab", List.of(1, 1), 0.2);
            long expected = users.devices().stream()
                    .filter(d -> d.expectsDelivery() && arms.armOf(d.userId) != ArmAssignment.HOLDOUT)
                    .count();
            assertThat(watcher.awaitUntil(WAIT, () -> {}, () -> sandbox.received() >= expected))
                    .as("the winner reaches the rest")
                    .isTrue();
            watcher.poll(Duration.ofSeconds(3));
            assertThat(sandbox.received()).isEqualTo(expected).isGreaterThan(tested);
            ObjectMapper json = new ObjectMapper();
            for (SyntheticUsers.Device d : users.devices()) {
                TokenRegistry registry = sandbox.tokens(d.platform);
                int arm = arms.armOf(d.userId);
                if (!d.expectsDelivery() || arm == ArmAssignment.HOLDOUT) {
                    assertThat(registry.received(d.token)).as(d.deviceId).isZero();
                    continue;
                }
                assertThat(registry.received(d.token)).as(d.deviceId).isEqualTo(1);
                JsonNode n = json.readTree(registry.lastPayload(d.token));
                String title = SyntheticUsers.alert(d.platform, n).path("title").asText();
                String wanted = !ArmAssignment.inTest("ab", d.userId, 0.5) || arm == 1 ? "BOLD " : "Plain ";
                assertThat(title).as(d.deviceId).startsWith(wanted);
            }
            watcher.close();
        } finally {
            SandboxCampaigns.stopAll(job, kafka, sandbox);
        }
    }

    /**
     * {@link #USERS} synthetic users from {@code seed}, live at the emulators (no dead tokens: a user
     * the job sends to is a user whose phone shows it), registered through the devices topic and
     * taken in by the job.
     */
    private static SyntheticUsers load(Sandbox sandbox, KafkaIO kafka, long seed) throws Exception {
        SyntheticUsers users = SyntheticUsers.generate(USERS, seed, 0.0);
        users.registerWith(sandbox);
        long version = SyntheticUsers.registrationVersion();
        for (SyntheticUsers.Device d : users.devices()) {
            kafka.send(sandbox.config().topics.devices, d.userId, d.registerEvent(Sandbox.APP_ID, version));
        }
        kafka.flush();
        assertThat(kafka.awaitConsumed(sandbox.config().kafka.groupId, sandbox.config().topics.devices, WAIT, b -> {}))
                .isTrue();
        return users;
    }

    /** The results say exactly what the app reported, per arm, and their intervals cover the truth. */
    private static void checkResults(
            JsonNode results, Map<String, SyntheticApp.Reported> reported, Sandbox sandbox, SyntheticUsers users)
            throws Exception {
        Map<String, JsonNode> rows = DemoExperiment.rows(results);
        assertThat(rows.keySet()).containsExactly("bold", "holdout", "plain");
        Map<String, Long> delivered = deliveredByTitle(sandbox, users);
        for (Map.Entry<String, JsonNode> e : rows.entrySet()) {
            String arm = e.getKey();
            JsonNode row = e.getValue();
            SyntheticApp.Reported r = reported.get(arm);
            assertThat(row.path("users").asLong()).as(arm + " users").isEqualTo(r.users);
            assertThat(row.path("opened").asLong()).as(arm + " opened").isEqualTo(r.opened);
            assertThat(row.path("converted").asLong()).as(arm + " converted").isEqualTo(r.converted);
            assertThat(row.path("value").asDouble()).as(arm + " value").isEqualTo(r.value);
            assertThat(row.path("delivered").asLong())
                    .as(arm + " delivered, counted at the emulators")
                    .isEqualTo(delivered.getOrDefault(arm, 0L));
            // The job's intervals are Wilson's 95% ones of the counts (a 95% interval misses its
            // probability one time in twenty: the demo says which do). That the counts fit the
            // probabilities the app used is checked at 99.9%, so the test fails on wrong counts, not
            // on chance (the seeds fix the draw).
            Proportions.Interval wilson = Proportions.wilson(r.converted, r.users, 0.95);
            assertThat(row.path("conversionRateLow").asDouble()).isEqualTo(wilson.low());
            assertThat(row.path("conversionRateHigh").asDouble()).isEqualTo(wilson.high());
            Proportions.Interval wide = Proportions.wilson(r.converted, r.users, 0.999);
            assertThat(DemoExperiment.trueConversion(arm))
                    .as(arm + "'s conversion probability in the 99.9% interval")
                    .isBetween(wide.low(), wide.high());
            if (!arm.equals("holdout")) {
                Proportions.Interval open = Proportions.wilson(r.opened, r.users, 0.95);
                assertThat(row.path("openRateLow").asDouble()).isEqualTo(open.low());
                assertThat(row.path("openRateHigh").asDouble()).isEqualTo(open.high());
                Proportions.Interval wideOpen = Proportions.wilson(r.opened, r.users, 0.999);
                assertThat(TRUTH.get(arm).open())
                        .as(arm + "'s open probability in the 99.9% interval")
                        .isBetween(wideOpen.low(), wideOpen.high());
            }
        }
        // Bold lifts conversion over the holdout clearly (11 points, on about 1,200 and 2,400 users),
        // with Newcombe's interval of the counts.
        assertThat(rows.get("bold").path("liftLow").asDouble()).isPositive();
        assertThat(rows.get("bold").path("liftPValue").asDouble()).isLessThan(0.001);
        Proportions.Interval lift = Proportions.difference(
                rows.get("bold").path("converted").asLong(),
                rows.get("bold").path("users").asLong(),
                rows.get("holdout").path("converted").asLong(),
                rows.get("holdout").path("users").asLong(),
                0.95);
        assertThat(rows.get("bold").path("liftLow").asDouble()).isEqualTo(lift.low());
        assertThat(rows.get("bold").path("liftHigh").asDouble()).isEqualTo(lift.high());
    }

    private static JsonNode lastResults(CampaignWatcher watcher) {
        List<JsonNode> results = watcher.statuses(StatusKind.RESULTS);
        return results.isEmpty() ? null : results.get(results.size() - 1);
    }

    private static long sum(Map<String, SyntheticApp.Reported> reported) {
        return reported.values().stream().mapToLong(r -> r.converted).sum();
    }

    /** Users converted over all rows; -1 without results. */
    private static long converted(JsonNode results) {
        if (results == null) {
            return -1;
        }
        long n = 0;
        for (JsonNode r : results.path("results")) {
            n += r.path("converted").asLong();
        }
        return n;
    }

    /** Devices that got each arm's notification, by the title they show. */
    private static Map<String, Long> deliveredByTitle(Sandbox sandbox, SyntheticUsers users) throws Exception {
        Map<String, Long> delivered = new TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        for (SyntheticUsers.Device d : users.devices()) {
            TokenRegistry registry = sandbox.tokens(d.platform);
            if (registry.received(d.token) > 0) {
                JsonNode n = json.readTree(registry.lastPayload(d.token));
                String title = SyntheticUsers.alert(d.platform, n).path("title").asText();
                delivered.merge(title.startsWith("BOLD ") ? "bold" : "plain", 1L, Long::sum);
            }
        }
        return delivered;
    }
}
