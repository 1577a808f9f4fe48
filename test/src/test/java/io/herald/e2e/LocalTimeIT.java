package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.model.StatusKind;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A campaign at a wall-clock time in each device's zone, on the real broker and emulators: the time
 * is a few seconds ahead in UTC, and hours away (passed, or to come) in Tokyo and New York. The UTC
 * devices get it at that moment, once each; the others get nothing.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class LocalTimeIT {
    private static final String[] ZONES = {"UTC", "Asia/Tokyo", "America/New_York"};

    @TempDir
    Path dir;

    @Test
    void aZoneWhoseLocalTimeComesGetsItThen_onceEach_zonesHoursAwayDoNot() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            SyntheticUsers users = SyntheticUsers.generate(900, 29, 0.0);
            users.registerWith(sandbox);
            JobClient job = HeraldMain.startEmbedded(sandbox.config(), 0, null);
            try {
                long version = SyntheticUsers.registrationVersion();
                List<SyntheticUsers.Device> utc = new ArrayList<>();
                List<SyntheticUsers.Device> away = new ArrayList<>();
                for (SyntheticUsers.Device d : users.devices()) {
                    String zone = ZONES[Math.floorMod(d.userId.hashCode(), ZONES.length)];
                    (zone.equals("UTC") ? utc : away).add(d);
                    String event = new String(d.registerEvent(Sandbox.APP_ID, version), StandardCharsets.UTF_8)
                            .replace("\"timezone\":\"UTC\"", "\"timezone\":\"" + zone + "\"");
                    kafka.send(sandbox.config().topics.devices, d.userId, event.getBytes(StandardCharsets.UTF_8));
                }
                kafka.flush();
                assertThat(kafka.awaitConsumed(
                                sandbox.config().kafka.groupId,
                                sandbox.config().topics.devices,
                                Duration.ofMinutes(3),
                                b -> {}))
                        .isTrue();

                ZonedDateTime moment =
                        Instant.now().plusSeconds(12).atZone(ZoneOffset.UTC).withNano(0);
                String create = new String(DemoCampaign.create("nine", DemoCampaign.ALL), StandardCharsets.UTF_8)
                        .replaceFirst(
                                "^\\{",
                                "{\"schedule\":{\"date\":\"" + moment.toLocalDate() + "\",\"localTime\":\""
                                        + moment.toLocalTime()
                                        + "\",\"defaultTimezone\":\"UTC\",\"passedZones\":\"skip\"},");
                CampaignWatcher watcher =
                        kafka.watch("nine", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
                kafka.send(sandbox.config().topics.campaigns, "nine", create.getBytes(StandardCharsets.UTF_8));
                kafka.flush();
                assertThat(watcher.awaitUntil(
                                Duration.ofMinutes(1),
                                () -> {},
                                () -> !watcher.statuses(StatusKind.ACCEPTED).isEmpty()))
                        .as("%s", watcher.rejection())
                        .isTrue();

                long at = moment.toInstant().toEpochMilli();
                while (System.currentTimeMillis() < at - 1_000) {
                    watcher.poll(Duration.ofMillis(200));
                }
                assertThat(received(utc, sandbox) + received(away, sandbox))
                        .as("before the moment")
                        .isZero();
                long deadline = System.currentTimeMillis() + 60_000;
                while (received(utc, sandbox) < live(utc) && System.currentTimeMillis() < deadline) {
                    watcher.poll(Duration.ofMillis(200));
                }
                long reachedAt = System.currentTimeMillis();
                watcher.poll(Duration.ofSeconds(3)); // time for anything more to arrive
                System.out.printf(
                        "Local time %s UTC: %d of %d UTC devices reached by %d ms after it; %d of %d devices "
                                + "in Tokyo and New York reached%n",
                        moment.toLocalTime(),
                        received(utc, sandbox),
                        live(utc),
                        reachedAt - at,
                        received(away, sandbox),
                        away.size());
                for (SyntheticUsers.Device d : utc) {
                    assertThat(tokens(d, sandbox).received(d.token))
                            .as(d.deviceId)
                            .isEqualTo(d.expectsDelivery() ? 1 : 0);
                }
                assertThat(received(away, sandbox))
                        .as("zones where that time is hours away")
                        .isZero();
            } finally {
                job.cancel().get();
            }
        }
    }

    private static TokenRegistry tokens(SyntheticUsers.Device d, Sandbox sandbox) {
        return sandbox.tokens(d.platform);
    }

    private static long received(List<SyntheticUsers.Device> devices, Sandbox sandbox) {
        return devices.stream()
                .mapToLong(d -> tokens(d, sandbox).received(d.token))
                .sum();
    }

    private static long live(List<SyntheticUsers.Device> devices) {
        return devices.stream().filter(SyntheticUsers.Device::expectsDelivery).count();
    }
}
