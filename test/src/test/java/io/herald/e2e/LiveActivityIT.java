package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.model.StatusKind;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.LiveActivityLog;
import io.herald.sandbox.LiveScoreScenario;
import io.herald.sandbox.Sandbox;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live Activities end to end, counted at the sandbox's APNs emulator: {@code campaign create} (the
 * built jar, a process) makes the match's broadcast channel and writes the start with it; the start
 * reaches each phone's push-to-start token once, personalised, subscribing it to the channel; three
 * updates and an end go as one broadcast each and reach every subscribed device once; dead
 * push-to-start tokens come back as {@code token_rejected}; an update of an activity never started
 * is refused; and an update device by device reaches the update tokens the apps reported.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class LiveActivityIT {
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final Path EXAMPLES = Path.of("..", "job", "examples", "campaigns");
    private static final String ACTIVITY = "final-2026";

    @TempDir
    Path dir;

    @Test
    void startedForEveryFan_updatedAndEndedByBroadcast_countedPerDevice() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            LiveScoreScenario match = new LiveScoreScenario(sandbox, kafka, ACTIVITY);
            JobClient job = HeraldMain.startEmbedded(sandbox.config(), 0, null);
            try {
                assertThat(match.loadDevices(1_500, 32, WAIT)).isTrue();
                int live = match.startTokens().size();

                // As an operator runs it: the channel is made, then the start written with it.
                HeraldCli.Run created = HeraldCli.run(
                        dir,
                        "campaign",
                        "create",
                        EXAMPLES.resolve("live-score-start.json").toString(),
                        "--config",
                        sandbox.configFile().toString());
                assertThat(created.code()).as(created.out()).isZero();
                Matcher m =
                        Pattern.compile("Created APNs broadcast channel (\\S+)").matcher(created.out());
                assertThat(m.find()).as(created.out()).isTrue();
                String channel = m.group(1);
                assertThat(created.out()).contains("final-kickoff: accepted");
                assertThat(sandbox.apns().channels().channels()).contains(channel);

                CampaignWatcher start = kafka.watch(
                        "final-kickoff", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
                kafka.send(sandbox.config().topics.campaigns, "final-kickoff", DemoCampaign.fire("final-kickoff"));
                kafka.flush();
                assertThat(start.awaitDone(WAIT, () -> {})).isTrue();
                assertThat(start.targeted()).isEqualTo(live + match.deadStartTokens());
                assertThat(start.suppressed()).isEqualTo(match.withoutStartToken());
                assertThat(start.outcome("token_dead")).isEqualTo(match.deadStartTokens());

                LiveActivityLog log = sandbox.liveActivities();
                LiveActivityLog.Summary started = log.summary(ACTIVITY);
                assertThat(started.devicesStarted()).isEqualTo(live);
                assertThat(started.starts()).isEqualTo(live);
                assertThat(sandbox.liveActivities().subscribers(channel)).isEqualTo(live);

                // Three goals and the final whistle: one request each, whatever the audience.
                long[] times = new long[4];
                times[0] = match.timedBroadcast("goal-1", false, 1, 0, 17, WAIT);
                times[1] = match.timedBroadcast("goal-2", false, 1, 1, 52, WAIT);

                // A hundred apps reported their activity's update token: an update device by device
                // reaches exactly those, once (the rest have no update token, and are suppressed).
                List<String> reported = match.reportUpdateTokens(100, WAIT);
                assertThat(reported).hasSize(100);
                try (CampaignWatcher byToken =
                        match.run("red-card", match.scoreCampaignByToken("red-card", 1, 1, 60), WAIT)) {
                    assertThat(byToken).isNotNull();
                    assertThat(byToken.targeted()).isEqualTo(100);
                    assertThat(byToken.outcome("delivered")).isEqualTo(100);
                }
                for (String device : reported) {
                    assertThat(log.received(device, ACTIVITY).distinctUpdates())
                            .as(device)
                            .isEqualTo(3);
                }
                assertThat(log.received(match.startTokens().get(100), ACTIVITY).distinctUpdates())
                        .isEqualTo(2);

                times[2] = match.timedBroadcast("goal-3", false, 2, 1, 88, WAIT);
                times[3] = match.timedBroadcast("full-time", true, 2, 1, 90, WAIT);
                assertThat(Arrays.stream(times).min().orElseThrow())
                        .as("every broadcast arrived")
                        .isNotNegative();
                LiveActivityLog.Summary seen = log.summary(ACTIVITY);
                System.out.printf(
                        "Live score: %d phones, %d started, update record to last device %s ms; %s%n",
                        match.phones(), live, Arrays.toString(times), seen);
                assertThat(seen.devicesWithUpdates(3)).isEqualTo(live - 100);
                assertThat(seen.devicesWithUpdates(4))
                        .as("the hundred with the update by token too")
                        .isEqualTo(100);
                assertThat(seen.duplicateUpdates()).isZero();
                assertThat(seen.devicesEnded()).isEqualTo(live);
                assertThat(seen.ends()).isEqualTo(live);
                assertThat(seen.devicesWithoutStart()).isZero();
                assertThat(log.overflowed()).isZero();

                // The dead push-to-start tokens went back to the devices topic.
                ObjectMapper json = new ObjectMapper();
                Set<String> rejected = kafka.readAll(sandbox.config().topics.devices, Duration.ofSeconds(3)).stream()
                        .map(r -> readTree(json, r.value()))
                        .filter(n -> "token_rejected".equals(n.path("type").asText()))
                        .map(n -> n.path("token").asText())
                        .collect(Collectors.toSet());
                assertThat(rejected).hasSize(match.deadStartTokens());

                // An activity never started has no channel: refused before anything is sent.
                try (CampaignWatcher unknown = match.run(
                        "goal-elsewhere",
                        match.scoreCampaign("goal-elsewhere", false, 1, 0, 5).replace(ACTIVITY, "other-match"),
                        WAIT)) {
                    assertThat(unknown).isNotNull();
                    List<JsonNode> refusals = unknown.statuses(StatusKind.REJECTED);
                    assertThat(refusals).isNotEmpty();
                    assertThat(refusals.get(0).path("error").asText())
                            .contains("no broadcast start of activity 'other-match'");
                }
                start.close();
            } finally {
                job.cancel().get();
            }
        }
    }

    private static JsonNode readTree(ObjectMapper json, byte[] value) {
        try {
            return json.readTree(value);
        } catch (Exception e) {
            return json.createObjectNode();
        }
    }
}
