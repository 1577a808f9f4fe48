package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.herald.job.cli.CampaignWatcher;
import io.herald.model.Platform;
import io.herald.sandbox.ArrivalTimes;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.StandaloneFlink;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One provider's outage in the middle of a campaign must not hold back the other, on a real
 * multi-process Flink cluster (a JobManager and two TaskManagers, each a JVM of its own, the job jar
 * submitted with {@code flink run}). APNs is made unreachable shortly after the fire (what the job
 * writes to it goes nowhere and is never answered, so its delivery windows fill at once and stay
 * full), and comes back once FCM has delivered all it had (at least {@link #MIN_OUTAGE} later, at
 * most {@link #MAX_OUTAGE}). Judged at the FCM emulator, by when its deliveries arrived: during the
 * outage FCM goes on delivering what it had left, with no long pause; and, once APNs is back and
 * the campaign done, at both emulators: every device delivered once.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ProviderOutageIT {
    private static final int USERS = 30_000;
    private static final int PARALLELISM = 2;
    /** Small, so that the outage fills APNs's windows at once. */
    private static final int MAX_IN_FLIGHT = 200;

    private static final Duration MIN_OUTAGE = Duration.ofSeconds(10);
    private static final Duration MAX_OUTAGE = Duration.ofSeconds(45);
    /**
     * Longer than the outage with room to spare (retries stop two thirds in): a notification that
     * waited out the outage at APNs is retried when it is back, not given up on.
     */
    private static final long TIMEOUT_MS = 120_000;
    /** The longest FCM may go without a delivery while it has notifications left and APNs is out. */
    private static final long LONGEST_PAUSE_MS = 5_000;
    /** The share of what FCM had left at the cut that it must deliver during the outage. */
    private static final double SHARE_DURING_OUTAGE = 0.75;

    private static final Duration WAIT = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @Test
    void fcmKeepsDeliveringWhileApnsIsUnreachableAndNothingIsLost() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), PARALLELISM);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
                StandaloneFlink flink = StandaloneFlink.start(dir.resolve("flink"), 2, 2)) {
            sandbox.config().delivery.maxInFlight = MAX_IN_FLIGHT;
            sandbox.config().delivery.timeoutMs = TIMEOUT_MS;
            Path config = dir.resolve("herald.yaml");
            new ObjectMapper(new YAMLFactory()).writeValue(config.toFile(), sandbox.config());

            SyntheticUsers users = SyntheticUsers.generate(USERS, 34, 0.02);
            users.registerWith(sandbox);
            String jobId = flink.submit(
                    StandaloneFlink.jobJar(Path.of("..", "job")),
                    "io.herald.job.HeraldMain",
                    null,
                    List.of("--config", config.toString()));
            flink.awaitAllRunning(jobId, Duration.ofMinutes(2));
            assertThat(users.load(sandbox, kafka, WAIT, b -> {}))
                    .as("the job took in every device")
                    .isTrue();
            long expected = users.devices().stream()
                    .filter(SyntheticUsers.Device::expectsDelivery)
                    .count();
            long fcmExpected = users.devices().stream()
                    .filter(d -> d.platform == Platform.ANDROID && d.expectsDelivery())
                    .count();
            long apnsExpected = expected - fcmExpected;

            TokenRegistry apns = sandbox.apns().tokens();
            TokenRegistry fcm = sandbox.fcm().tokens();
            CampaignWatcher watcher =
                    kafka.watch("outage-1", sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
            kafka.send(
                    sandbox.config().topics.campaigns, "outage-1", DemoCampaign.create("outage-1", DemoCampaign.ALL));
            long firedAt = System.currentTimeMillis();
            kafka.send(sandbox.config().topics.campaigns, "outage-1", DemoCampaign.fire("outage-1"));
            kafka.flush();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (apns.totalReceived() + fcm.totalReceived() < 1_500) {
                assertThat(System.nanoTime()).as("the campaign started").isLessThan(deadline);
                watcher.poll(Duration.ofMillis(10));
            }

            // APNs unreachable: FCM's deliveries are timed from here.
            long cutAt = System.currentTimeMillis();
            ArrivalTimes fcmArrivals = new ArrivalTimes(cutAt, (int) WAIT.toMillis());
            fcm.recordArrivals(fcmArrivals);
            sandbox.apns().faults().unreachable(true);
            long apnsAtCut = apns.totalReceived();
            long fcmAtCut = fcm.totalReceived();
            while (true) {
                long out = System.currentTimeMillis() - cutAt;
                if (out >= MAX_OUTAGE.toMillis()
                        || out >= MIN_OUTAGE.toMillis() && fcm.totalReceived() >= fcmExpected) {
                    break;
                }
                watcher.poll(Duration.ofMillis(50));
            }
            long apnsAtEnd = apns.totalReceived();
            long fcmAtEnd = fcm.totalReceived();
            sandbox.apns().faults().unreachable(false);
            long endMs = System.currentTimeMillis() - cutAt;

            assertThat(watcher.awaitDone(WAIT, () -> {}))
                    .as("the campaign finished after the outage")
                    .isTrue();
            EmulatorCounts counts = EmulatorCounts.of(users, sandbox, 1);

            long fcmLeftAtCut = fcmExpected - fcmAtCut;
            long fcmDuringOutage = fcmAtEnd - fcmAtCut;
            long[] perTenth = fcmArrivals.perBucket(100);
            // FCM's pauses count while it had notifications left: up to its last one if it finished during the outage.
            int window = (int) (fcmAtEnd >= fcmExpected ? lastNonEmpty(perTenth, endMs / 100) + 1 : endMs / 100);
            long longestPauseMs = longestEmptyRun(perTenth, window) * 100L;
            System.out.printf(
                    "Outage of APNs for %,d ms, from %,d ms after the fire: APNs had %,d "
                            + "of %,d at the cut, %,d more during the outage; FCM had %,d of %,d at the cut and delivered "
                            + "%,d during the outage (%.1f%% of the %,d it had left), longest pause %,d ms; per second: %s%n",
                    endMs,
                    cutAt - firedAt,
                    apnsAtCut,
                    apnsExpected,
                    apnsAtEnd - apnsAtCut,
                    fcmAtCut,
                    fcmExpected,
                    fcmDuringOutage,
                    100.0 * fcmDuringOutage / Math.max(1, fcmLeftAtCut),
                    fcmLeftAtCut,
                    longestPauseMs,
                    perSecond(perTenth, (int) (endMs / 100)));
            System.out.printf(
                    "After the outage: %s; receipts %s; the job restarted %d time(s)%n",
                    counts, watcher.outcomes(), flink.restarts(jobId));

            assertThat(apnsAtCut).as("APNs had much left at the cut").isLessThan(apnsExpected / 2);
            assertThat(apnsAtEnd - apnsAtCut)
                    .as("APNs deliveries during the outage (answers already on their way)")
                    .isLessThanOrEqualTo((long) PARALLELISM * MAX_IN_FLIGHT);
            assertThat(fcmLeftAtCut).as("FCM had much left at the cut").isGreaterThan(fcmExpected / 2);
            assertThat(fcmDuringOutage)
                    .as("FCM deliveries during the APNs outage, of the %,d it had left", fcmLeftAtCut)
                    .isGreaterThanOrEqualTo((long) (SHARE_DURING_OUTAGE * fcmLeftAtCut));
            assertThat(longestPauseMs)
                    .as("FCM's longest pause during the APNs outage (ms)")
                    .isLessThanOrEqualTo(LONGEST_PAUSE_MS);
            assertThat(counts.lost).as("lost").isZero();
            assertThat(counts.unexpected).as("unexpected").isZero();
            // The outage lost no answer APNs gave (nothing reached it), so nothing is sent twice.
            assertThat(counts.duplicates).as("duplicates").isZero();
            assertThat(watcher.outcome("delivered")).as("delivered receipts").isEqualTo(expected);
            assertThat(watcher.duplicateReceipts()).as("duplicate receipts").isZero();
            watcher.close();
        } finally {
            StandaloneFlink.keepLogs(
                    dir.resolve("flink"), Path.of("target", "it-logs", ProviderOutageIT.class.getSimpleName()));
        }
    }

    private static int lastNonEmpty(long[] buckets, long upTo) {
        for (int i = (int) Math.min(upTo, buckets.length - 1); i >= 0; i--) {
            if (buckets[i] > 0) {
                return i;
            }
        }
        return 0;
    }

    /** The longest run of empty buckets among the first {@code n} (past the last bucket: empty). */
    private static long longestEmptyRun(long[] buckets, int n) {
        long longest = 0;
        long run = 0;
        for (int i = 0; i < n; i++) {
            if (i >= buckets.length || buckets[i] == 0) {
                longest = Math.max(longest, ++run);
            } else {
                run = 0;
            }
        }
        return longest;
    }

    /** FCM deliveries per second of the outage, from tenths of a second. */
    private static String perSecond(long[] tenths, int n) {
        StringBuilder b = new StringBuilder("[");
        for (int s = 0; s * 10 < n; s++) {
            long sum = 0;
            for (int i = s * 10; i < Math.min(n, s * 10 + 10) && i < tenths.length; i++) {
                sum += tenths[i];
            }
            b.append(s == 0 ? "" : ", ").append(sum);
        }
        return b.append(']').toString();
    }
}
