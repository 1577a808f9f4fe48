package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.job.HeraldMain;
import io.herald.job.config.HeraldConfig;
import io.herald.model.Platform;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seed users on the real broker, job and emulators, with the CLI as a process: an app that requires
 * a test send refuses a fire until `campaign test`, which reaches only the seeds' devices, each with
 * every arm in every locale (counted and read at the emulators), whatever the audience; an edit needs
 * another test; the fire then hands each seed device its copy first and every device of the audience
 * its notification once.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SeedSendIT {
    private static final Duration WAIT = Duration.ofMinutes(2);
    /** Two arms, three locales: what a test send renders for each seed device. */
    private static final int VARIANTS = 6;

    @TempDir
    Path dir;

    @Test
    void theSeedsSeeEveryVariantFirstAndAFireWaitsForATestOfItsContent() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            SyntheticUsers users = SyntheticUsers.generate(200, 11, 0);
            // Two seeds, the team's phones: one with an Android device (outside the campaign's iOS
            // audience), one with an iPhone.
            String android = firstWith(users, Platform.ANDROID, null);
            List<String> seeds = List.of(android, firstWith(users, Platform.IOS, android));
            HeraldConfig config = sandbox.config();
            config.apps.get(0).seeds = seeds;
            config.apps.get(0).requireTestSend = true;
            config.check();
            // The CLI needs the deployment's Kafka and topics, as the sandbox's file has them.
            Path configFile = sandbox.configFile();
            users.registerWith(sandbox);
            sandbox.keepPayloads(true);
            JobClient job = HeraldMain.startEmbedded(config, 0, null);
            try {
                assertThat(users.load(sandbox, kafka, WAIT, b -> {})).isTrue();
                Path campaign = dir.resolve("seeded.json");
                Files.writeString(campaign, campaignJson("Hello"));
                HeraldCli.Run created =
                        cli("campaign", "create", campaign.toString(), "--config", configFile.toString());
                assertThat(created.code()).as(created.out()).isZero();

                // Untested: refused, and nothing reaches a phone.
                HeraldCli.Run untested = cli("campaign", "fire", "seeded", "--config", configFile.toString());
                assertThat(untested.code()).as(untested.out()).isEqualTo(1);
                assertThat(untested.out())
                        .contains("seeded: rejected: fire refused: not tested (apps.herald-demo.requireTestSend)");
                assertThat(sandbox.received()).isZero();

                // The test: every arm in every locale to each seed device, though the audience is iOS only.
                HeraldCli.Run tested = cli("campaign", "test", "seeded", "--config", configFile.toString());
                assertThat(tested.code()).as(tested.out()).isZero();
                List<SyntheticUsers.Device> seedDevices = users.devices().stream()
                        .filter(d -> seeds.contains(d.userId) && d.expectsDelivery())
                        .toList();
                assertThat(seedDevices.stream().map(d -> d.platform).collect(Collectors.toSet()))
                        .as("the seeds' devices are of both platforms, one outside the audience")
                        .contains(Platform.ANDROID);
                assertThat(tested.out())
                        .contains("seeded: tested")
                        .contains(String.format(
                                "%d notifications (every arm in every locale) to the devices of 2 of 2 seed users",
                                seedDevices.size() * VARIANTS));
                long all = seedDevices.size() * (long) VARIANTS;
                assertThat(await(() -> sandbox.received() >= all)).isTrue();
                for (SyntheticUsers.Device d : seedDevices) {
                    assertThat(tokens(sandbox, d).received(d.token))
                            .as(d.deviceId)
                            .isEqualTo(VARIANTS);
                }
                assertThat(sandbox.received()).as("nobody but the seeds").isEqualTo(all);

                // Edited: the fire waits for another test.
                Files.writeString(campaign, campaignJson("Hey"));
                assertThat(cli("campaign", "create", campaign.toString(), "--config", configFile.toString())
                                .code())
                        .isZero();
                HeraldCli.Run edited = cli("campaign", "fire", "seeded", "--config", configFile.toString());
                assertThat(edited.code()).as(edited.out()).isEqualTo(1);
                assertThat(edited.out()).contains("not tested (apps.herald-demo.requireTestSend)");
                HeraldCli.Run again = cli("campaign", "test", "seeded", "--config", configFile.toString());
                assertThat(again.code()).as(again.out()).isZero();
                assertThat(await(() -> sandbox.received() >= 2 * all)).isTrue();
                SyntheticUsers.Device seedPhone = seedDevices.get(0);
                assertThat(tokens(sandbox, seedPhone).lastPayload(seedPhone.token))
                        .containsIgnoringCase("hey");

                // The fire: each seed device its copy (first), and the audience (iOS) its notification once.
                sandbox.resetCounts();
                HeraldCli.Run fired = cli("campaign", "fire", "seeded", "--config", configFile.toString());
                assertThat(fired.code()).as(fired.out()).isZero();
                assertThat(fired.out()).contains("seeded: fired");
                SyntheticUsers others = users.users(u -> !seeds.contains(u));
                // The fire's watch counts the campaign's receipts: a test's written after the fire record
                // would count as the fire's, so the emulators may still be taking the last few.
                long expectedAll = seedDevices.size()
                        + users.devices().stream()
                                .filter(d -> d.expectsDelivery() && d.platform == Platform.IOS)
                                .count();
                assertThat(await(() -> sandbox.received() >= expectedAll)).isTrue();
                EmulatorCounts audience =
                        EmulatorCounts.of(others, sandbox, 1, d -> d.expectsDelivery() && d.platform == Platform.IOS);
                assertThat(audience.exact()).as("%s", audience).isTrue();
                assertThat(sandbox.received()).isEqualTo(expectedAll);
                for (SyntheticUsers.Device d : seedDevices) {
                    int copies = d.platform == Platform.IOS ? 2 : 1; // its copy, and the audience's own if in it
                    assertThat(tokens(sandbox, d).received(d.token))
                            .as("%s (%s)", d.deviceId, d.platform)
                            .isEqualTo(copies);
                }
            } finally {
                job.cancel().get();
            }
        }
    }

    private static String firstWith(SyntheticUsers users, Platform platform, String other) {
        return users.devices().stream()
                .filter(d -> d.platform == platform && d.expectsDelivery() && !d.userId.equals(other))
                .map(d -> d.userId)
                .findFirst()
                .orElseThrow();
    }

    private static TokenRegistry tokens(Sandbox sandbox, SyntheticUsers.Device d) {
        return sandbox.tokens(d.platform);
    }

    private HeraldCli.Run cli(String... args) throws Exception {
        return HeraldCli.run(dir, args);
    }

    private static boolean await(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return done.getAsBoolean();
    }

    /** Two arms, each in English, German and Brazilian Portuguese, to the app's iOS devices. */
    private static String campaignJson(String greeting) {
        return "{\"campaignId\":\"seeded\",\"appId\":\"" + Sandbox.APP_ID + "\","
                + "\"audience\":{\"kind\":\"all\",\"platforms\":[\"ios\"]},\"arms\":["
                + arm("plain", greeting) + "," + arm("bold", greeting.toUpperCase()) + "]}";
    }

    private static String arm(String name, String greeting) {
        return "{\"name\":\"" + name + "\",\"message\":{\"defaultLocale\":\"en\",\"defaults\":{\"name\":\"friend\"},"
                + "\"variants\":{\"en\":{\"title\":\"" + greeting + " {name}\",\"body\":\"news\"},"
                + "\"de\":{\"title\":\"" + greeting + " {name} (de)\",\"body\":\"Neues\"},"
                + "\"pt-BR\":{\"title\":\"" + greeting + " {name} (pt)\",\"body\":\"novidade\"}}}}";
    }
}
