package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.job.HeraldMain;
import io.herald.job.config.HeraldConfig;
import io.herald.model.Platform;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code campaign} commands against the real broker, job and emulators, with the example
 * campaign files shipped in {@code job/examples/campaigns}: a campaign with a bad segment is refused
 * by {@code java -jar herald.jar} (a real process, from the built jar) before anything is written; one
 * is created, estimated, fired and watched to completion, and the emulators received it once per
 * live device; a transactional send reaches its user; a slow campaign is cancelled, and watching it
 * then exits non-zero; a cancel after the end says what had been handed out, and a send to a user
 * without a device fails with why; a fire larger than the app's fire guard allows is refused, and goes
 * when it confirms its audience. Every command runs as {@code java -jar herald.jar}, a process of
 * its own whose standard output and exit code are read as a terminal would show them.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CampaignCommandsIT {
    private static final Path EXAMPLES = Path.of("..", "job", "examples", "campaigns");

    @TempDir
    Path dir;

    private String config;

    @Test
    void createEstimateFireWatchSendCancel_aBadSegmentRefusedBeforeAnythingIsWritten() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            config = sandbox.configFile().toString();
            SyntheticUsers users = SyntheticUsers.generate(800, 31, 0.02);
            users.registerWith(sandbox);
            // A fire guard: no fire to more than 500 devices without a confirmation (the file the
            // commands read has none: the guard is the job's).
            HeraldConfig.FireLimit guard = new HeraldConfig.FireLimit();
            guard.maxAudience = 500L;
            sandbox.config().apps.get(0).fireGuard = guard;
            JobClient job = HeraldMain.startEmbedded(sandbox.config(), 0, null);
            try {
                assertThat(users.load(sandbox, kafka, Duration.ofMinutes(3), b -> {}))
                        .isTrue();

                // A configuration that is not there: one line saying so, no stack trace, exit code 2.
                HeraldCli.Run noConfig = process(
                        "channels",
                        "list",
                        Sandbox.APP_ID,
                        "--config",
                        dir.resolve("missing.yaml").toString());
                assertThat(noConfig.code()).as(noConfig.err()).isEqualTo(2);
                assertThat(noConfig.err())
                        .contains("the configuration " + dir.resolve("missing.yaml") + " cannot be used: no such file")
                        .doesNotContain("\tat ");

                // From the built jar, as an operator runs it: refused here, with CEL's line:column.
                HeraldCli.Run refused = process(
                        "campaign",
                        "create",
                        EXAMPLES.resolve("broken-segment.yaml").toString(),
                        "--config",
                        config);
                assertThat(refused.code()).as(refused.out()).isEqualTo(2);
                assertThat(refused.out()).contains("Refused, nothing written").contains("audience.expression:1:20");
                assertThat(kafka.readAll(sandbox.config().topics.campaigns, Duration.ofSeconds(2)))
                        .as("nothing written to the campaigns topic")
                        .isEmpty();

                HeraldCli.Run created =
                        run("create", EXAMPLES.resolve("streak.json").toString());
                assertThat(created.code()).as(created.out()).isZero();
                assertThat(created.out()).contains("streak-reminder: accepted");

                HeraldCli.Run estimate = run("estimate", "streak-reminder");
                assertThat(estimate.code()).as(estimate.out()).isZero();
                long optedIn = users.devices().stream().filter(d -> d.optIn).count();
                assertThat(number(estimate.out(), "devices targeted")).isEqualTo(optedIn);
                assertThat(number(estimate.out(), "ios")
                                + number(estimate.out(), "android")
                                + number(estimate.out(), "web"))
                        .isEqualTo(optedIn);
                assertThat(estimate.out()).contains("en-US").contains("users evaluated");

                // Too large for the app's fire guard without a confirmation: refused, nothing sent.
                HeraldCli.Run guarded = run("fire", "streak-reminder");
                assertThat(guarded.code()).as(guarded.out()).isEqualTo(1);
                assertThat(guarded.out())
                        .contains(
                                "streak-reminder: rejected: fire refused by apps.herald-demo.fireGuard: its audience of "
                                        + String.format(Locale.ROOT, "%,d", optedIn)
                                        + " devices is more than 500; nothing was sent.")
                        .contains("--confirm-audience " + optedIn);
                assertThat(sandbox.received())
                        .as("nothing reached the emulators")
                        .isZero();

                HeraldCli.Run fired = run("fire", "streak-reminder", "--confirm-audience", Long.toString(optedIn));
                assertThat(fired.code()).as(fired.out()).isZero();
                assertThat(fired.out()).contains("streak-reminder: fired").contains("Campaign streak-reminder: done");
                assertThat(number(fired.out(), "targeted")).isEqualTo(optedIn);
                EmulatorCounts counts = awaitExact(users, sandbox);
                assertThat(counts.exact()).as("%s", counts).isTrue();
                assertThat(number(fired.out(), "delivered")).isEqualTo(counts.expected);

                HeraldCli.Run status = run("status", "streak-reminder");
                assertThat(status.code()).as(status.out()).isZero();
                assertThat(number(status.out(), "delivered")).isEqualTo(counts.expected);

                HeraldCli.Run again = run("fire", "streak-reminder", "--no-watch");
                assertThat(again.code())
                        .as("a second fire is refused: %s", again.out())
                        .isEqualTo(1);
                assertThat(again.out()).contains("ignored");

                // A send that reaches no device says so, and fails.
                HeraldCli.Run nobody = run("send", "streak-reminder", "--user", "no-such-user");
                assertThat(nobody.code()).as(nobody.out()).isEqualTo(1);
                assertThat(nobody.out()).contains("streak-reminder: skipped").contains("the user has no device");

                // A cancel after the campaign was handed out to all says how many it was.
                HeraldCli.Run late = run("cancel", "streak-reminder");
                assertThat(late.code()).as(late.out()).isZero();
                Matcher all = Pattern.compile("already been handed out to all: ([\\d,]+) notifications")
                        .matcher(late.out());
                assertThat(all.find()).as(late.out()).isTrue();
                assertThat(Long.parseLong(all.group(1).replace(",", ""))).isEqualTo(optedIn);

                SyntheticUsers.Device loyal = users.devices().stream()
                        .filter(d -> d.platform == Platform.IOS
                                && d.streak > 10
                                && d.expectsDelivery()
                                && (d.locale.startsWith("en") || d.locale.startsWith("pt")))
                        .filter(d -> users.devices().stream()
                                        .filter(o -> o.userId.equals(d.userId))
                                        .count()
                                == 1)
                        .findFirst()
                        .orElseThrow();
                assertThat(run("create", EXAMPLES.resolve("loyal-ios.yaml").toString())
                                .code())
                        .isZero();
                HeraldCli.Run sent = run("send", "loyal-ios", "--user", loyal.userId);
                assertThat(sent.code()).as(sent.out()).isZero();
                assertThat(sent.out()).contains("ios " + loyal.deviceId + ": delivered");
                assertThat(sandbox.apns().tokens().received(loyal.token))
                        .as("the fire's and the send's")
                        .isEqualTo(2);

                Path slow = dir.resolve("slow.json");
                Files.writeString(
                        slow,
                        Files.readString(EXAMPLES.resolve("streak.json"))
                                .replace("\"streak-reminder\"", "\"slow\"")
                                .replace("\"audience\"", "\"maxPerSecond\": 20, \"audience\""));
                assertThat(run("create", slow.toString()).code()).isZero();
                HeraldCli.Run slowFire =
                        run("fire", "slow", "--no-watch", "--confirm-audience", Long.toString(optedIn));
                assertThat(slowFire.code()).as(slowFire.out()).isZero();
                // Paused and resumed, the campaign and then its whole app, as an operator types it.
                HeraldCli.Run pause = run("pause", "slow");
                assertThat(pause.code()).as(pause.out()).isZero();
                assertThat(pause.out()).contains("slow: paused");
                HeraldCli.Run resume = run("resume", "slow");
                assertThat(resume.code()).as(resume.out()).isZero();
                assertThat(resume.out()).contains("slow: resumed");
                HeraldCli.Run appPause = process("app", "pause", Sandbox.APP_ID, "--config", config);
                assertThat(appPause.code()).as(appPause.out()).isZero();
                assertThat(appPause.out()).contains(Sandbox.APP_ID + ": paused");
                HeraldCli.Run appResume = process("app", "resume", Sandbox.APP_ID, "--config", config);
                assertThat(appResume.code()).as(appResume.out()).isZero();
                assertThat(appResume.out()).contains(Sandbox.APP_ID + ": resumed");
                HeraldCli.Run unknownApp = process("app", "pause", "no-such-app", "--config", config);
                assertThat(unknownApp.code()).as(unknownApp.out()).isEqualTo(2);
                assertThat(unknownApp.out()).contains("no-such-app: not an app of this deployment");
                HeraldCli.Run cancel = run("cancel", "slow");
                assertThat(cancel.code()).as(cancel.out()).isZero();
                assertThat(cancel.out()).contains("slow: cancelled").contains("handed out before the cancel");
                HeraldCli.Run watch = run("watch", "slow", "--watch-timeout", "PT30S");
                assertThat(watch.code())
                        .as("watching a cancelled campaign: %s", watch.out())
                        .isEqualTo(1);
                assertThat(watch.out()).contains("Campaign slow: cancelled");
                assertThat(run("status", "slow").code()).isEqualTo(1);
            } finally {
                job.cancel().get();
            }
        }
    }

    /** {@code java -jar herald.jar campaign ARGS --config CONFIG} as a process of its own. */
    private HeraldCli.Run run(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("campaign"));
        all.addAll(List.of(args));
        all.add("--config");
        all.add(config);
        return process(all.toArray(String[]::new));
    }

    private HeraldCli.Run process(String... args) throws Exception {
        return HeraldCli.run(dir, args);
    }

    /** The number on the first line of {@code out} that starts with {@code label}. */
    private static long number(String out, String label) {
        Matcher m = Pattern.compile("(?m)^\\s+" + Pattern.quote(label) + "\\s+([\\d,]+)")
                .matcher(out);
        assertThat(m.find()).as("a line '%s' in:%n%s", label, out).isTrue();
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    private static EmulatorCounts awaitExact(SyntheticUsers users, Sandbox sandbox) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        EmulatorCounts counts = EmulatorCounts.of(users, sandbox, 1);
        while (!counts.exact() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            counts = EmulatorCounts.of(users, sandbox, 1);
        }
        return counts;
    }
}
