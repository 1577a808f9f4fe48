package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.herald.job.cli.CampaignWatcher;
import io.herald.model.Platform;
import io.herald.sandbox.ChildJvms;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.StandaloneFlink;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flink stop --savepointPath} in the middle of a campaign while APNs's delivery windows are
 * full, on a real multi-process Flink cluster (a JobManager and two TaskManagers, each a JVM of its
 * own, the job jar submitted with {@code flink run}, stopped and started again with Flink's command
 * line), twice:
 *
 * <ol>
 *   <li>APNs slow (every answer {@link #SLOW_MS} late): the windows are full all the time, but
 *       answers come, so the savepoint gets through; then the tasks end, and the final drain of
 *       their mailboxes (closed to new mail) runs a walk step that must not wait for room only
 *       answers' mails could free.
 *   <li>APNs hung (it takes every request and answers none): the windows fill and stay full; the
 *       savepoint must get through all the same, and the tasks end after waiting
 *       {@code delivery.closeWaitMs} for the answers.
 * </ol>
 *
 * Each time {@code flink stop} must return with the savepoint (within {@link #CLI_BOUND}, the
 * command line's own JVM start included) and the job reach FINISHED within {@link #STOP_BOUND} of
 * the savepoint's trigger, by the JobManager's clock; then a job started from the savepoint, with
 * APNs healthy, finishes the campaign. Judged by the emulators' own counts: nothing lost, and no
 * more duplicates than the README's bound, {@code delivery.maxInFlight} per delivery instance with
 * requests at the provider and no answer on record (the APNs ones).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StopWithSavepointIT {
    private static final int USERS = 20_000;
    private static final int PARALLELISM = 2;
    /** Small, so that a slow or hung provider fills its windows at once. */
    private static final int MAX_IN_FLIGHT = 200;
    /** APNs slow: under {@code delivery.closeWaitMs} (5 s), so a stop has every answer on record. */
    private static final long SLOW_MS = 2_000;
    /** APNs hung: longer than the test, its answers never come while the job runs. */
    private static final long HANG_MS = 600_000;
    /**
     * A notification's time limit: longer than a stop takes, so that none of the hung ones is given
     * up on (a failed receipt, on record, is never sent again) before the job stops.
     */
    private static final long TIMEOUT_MS = 60_000;
    /** From the savepoint's trigger to the job FINISHED, by the JobManager's clock. */
    private static final Duration STOP_BOUND = Duration.ofSeconds(30);
    /**
     * For {@code flink stop} to return, the start of its JVM included (seconds on a loaded machine);
     * past it, the command line's own timeout (60 s after it asks) has had its say.
     */
    private static final Duration CLI_BOUND = Duration.ofSeconds(90);

    private static final Duration WAIT = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @Test
    void aStopMidCampaignWithApnsSlowThenHungReturnsAndTheRestoredJobLosesNothing() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), PARALLELISM);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
                StandaloneFlink flink = StandaloneFlink.start(dir.resolve("flink"), 2, 2)) {
            sandbox.config().delivery.maxInFlight = MAX_IN_FLIGHT;
            sandbox.config().delivery.timeoutMs = TIMEOUT_MS;
            Path config = dir.resolve("herald.yaml");
            new ObjectMapper(new YAMLFactory()).writeValue(config.toFile(), sandbox.config());
            List<String> args = List.of("--config", config.toString());

            SyntheticUsers users = SyntheticUsers.generate(USERS, 21, 0.02);
            users.registerWith(sandbox);
            String jobId =
                    flink.submit(StandaloneFlink.jobJar(Path.of("..", "job")), "io.herald.job.HeraldMain", null, args);
            flink.awaitAllRunning(jobId, Duration.ofMinutes(2));
            assertThat(users.load(sandbox, kafka, WAIT, b -> {}))
                    .as("the job took in every device")
                    .isTrue();
            long expected = users.devices().stream()
                    .filter(SyntheticUsers.Device::expectsDelivery)
                    .count();
            long apnsExpected = users.devices().stream()
                    .filter(d -> d.platform == Platform.IOS && d.expectsDelivery())
                    .count();
            TokenRegistry apns = sandbox.apns().tokens();

            // 1. APNs slow: its windows are always full, and the savepoint gets through.
            CampaignWatcher slow = fire(kafka, sandbox, "stop-slow");
            awaitReceived(sandbox, slow, 2_000);
            sandbox.apns().faults().latencyMs(SLOW_MS);
            long until = System.nanoTime() + 2 * SLOW_MS * 1_000_000;
            while (System.nanoTime() < until) {
                slow.poll(Duration.ofMillis(50));
            }
            System.out.printf(
                    "1. APNs answering %,d ms late; %,d of %,d delivered at the stop%n",
                    SLOW_MS, sandbox.received(), expected);
            String savepoint = stopWithinBound(flink, jobId, apnsExpected, apns);
            sandbox.apns().faults().latencyMs(0);
            jobId = flink.submit(
                    StandaloneFlink.jobJar(Path.of("..", "job")), "io.herald.job.HeraldMain", savepoint, args);
            assertCampaignDone(slow, users, sandbox, expected);

            // 2. APNs hung: it takes every request from now on and answers none; the windows fill and stay full.
            sandbox.resetCounts();
            flink.awaitAllRunning(jobId, Duration.ofMinutes(2));
            CampaignWatcher hung = fire(kafka, sandbox, "stop-hung");
            awaitReceived(sandbox, hung, 2_000);
            long apnsAtHang = apns.totalReceived();
            sandbox.apns().faults().latencyMs(HANG_MS);
            awaitQuiet(apns, hung);
            System.out.printf(
                    "2. APNs hung after %,d APNs notifications; %,d more reached it unanswered; %,d of %,d "
                            + "delivered at the stop%n",
                    apnsAtHang, apns.totalReceived() - apnsAtHang, sandbox.received(), expected);
            savepoint = stopWithinBound(flink, jobId, apnsExpected, apns);
            sandbox.apns().faults().latencyMs(0);
            flink.submit(StandaloneFlink.jobJar(Path.of("..", "job")), "io.herald.job.HeraldMain", savepoint, args);
            assertCampaignDone(hung, users, sandbox, expected);
        } finally {
            StandaloneFlink.keepLogs(
                    dir.resolve("flink"), Path.of("target", "it-logs", StopWithSavepointIT.class.getSimpleName()));
        }
    }

    private static CampaignWatcher fire(KafkaIO kafka, Sandbox sandbox, String campaignId) {
        CampaignWatcher w =
                kafka.watch(campaignId, sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
        kafka.send(sandbox.config().topics.campaigns, campaignId, DemoCampaign.create(campaignId, DemoCampaign.ALL));
        kafka.send(sandbox.config().topics.campaigns, campaignId, DemoCampaign.fire(campaignId));
        kafka.flush();
        return w;
    }

    /**
     * {@code flink stop --savepointPath}, mid-campaign: it must return a savepoint within the bound
     * and the job be FINISHED. If it does not, the failure carries the job's state, its savepoint
     * and the TaskManagers' stuck threads.
     */
    private String stopWithinBound(StandaloneFlink flink, String jobId, long apnsExpected, TokenRegistry apns)
            throws Exception {
        assertThat(apns.totalReceived())
                .as("stopped mid-campaign: APNs had much left")
                .isLessThan(apnsExpected / 2);
        long stopping = System.nanoTime();
        CompletableFuture<String> stop = CompletableFuture.supplyAsync(() -> {
            try {
                return flink.stopWithSavepoint(jobId, dir.resolve("savepoints"));
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        String savepoint;
        try {
            savepoint = stop.get(CLI_BOUND.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            long waited = (System.nanoTime() - stopping) / 1_000_000;
            String evidence = hangEvidence(flink, jobId);
            ChildJvms.kill("org.apache.flink.client.cli.CliFrontend");
            throw new AssertionError(
                    "flink stop did not return with a savepoint within " + waited + " ms: "
                            + (e instanceof TimeoutException ? "still waiting" : e.getCause()) + "\n" + evidence,
                    e);
        }
        long cliMs = (System.nanoTime() - stopping) / 1_000_000;
        String state = awaitTerminal(flink, jobId);
        // By the JobManager's clock: from the savepoint's trigger to the job's end.
        long triggeredAt = flink.rest("/jobs/" + jobId + "/checkpoints")
                .path("latest")
                .path("savepoint")
                .path("trigger_timestamp")
                .asLong();
        long finishedAt =
                flink.rest("/jobs/" + jobId).path("timestamps").path("FINISHED").asLong();
        long stopMs = finishedAt - triggeredAt;
        System.out.printf(
                "   flink stop returned in %,d ms (its JVM's start included); the job was FINISHED %,d ms after "
                        + "the savepoint's trigger; state %s, restarted %d time(s); %s%n",
                cliMs, stopMs, state, flink.restarts(jobId), savepoint);
        assertThat(state).as("the stopped job's state").isEqualTo("FINISHED");
        assertThat(stopMs)
                .as("from the savepoint's trigger to the job FINISHED (ms)")
                .isBetween(0L, STOP_BOUND.toMillis());
        return savepoint;
    }

    /** After the restore: the campaign finishes, every device has it, at most the bound twice. */
    private static void assertCampaignDone(
            CampaignWatcher watcher, SyntheticUsers users, Sandbox sandbox, long expected) throws Exception {
        assertThat(watcher.awaitDone(WAIT, () -> {}))
                .as("the campaign finished after the restore")
                .isTrue();
        EmulatorCounts counts = EmulatorCounts.of(users, sandbox, 1);
        long bound = (long) PARALLELISM * MAX_IN_FLIGHT;
        System.out.printf(
                "   restored: %s; APNs %s; FCM %s; bound %,d; receipts %s%n",
                counts,
                perPlatform(users, sandbox.apns().tokens(), Platform.IOS),
                perPlatform(users, sandbox.fcm().tokens(), Platform.ANDROID),
                bound,
                watcher.outcomes());
        assertThat(counts.lost).as("lost").isZero();
        assertThat(counts.unexpected).as("unexpected").isZero();
        assertThat(counts.duplicates)
                .as("duplicates (bound: maxInFlight per APNs delivery instance)")
                .isLessThanOrEqualTo(bound);
        assertThat(watcher.outcome("delivered")).as("delivered receipts").isEqualTo(expected);
        assertThat(watcher.duplicateReceipts()).as("duplicate receipts").isZero();
        watcher.close();
    }

    /** Polls the receipts until the emulators have had {@code count} notifications in all. */
    private static void awaitReceived(Sandbox sandbox, CampaignWatcher watcher, long count) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (sandbox.received() < count) {
            assertThat(System.nanoTime())
                    .as("%,d notifications reached the emulators", count)
                    .isLessThan(deadline);
            watcher.poll(Duration.ofMillis(20));
        }
    }

    /** Waits until {@code apns} has had nothing new for a second: every request it will get before answers come is in. */
    private static void awaitQuiet(TokenRegistry apns, CampaignWatcher watcher) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long last = apns.totalReceived();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < 1_000_000_000L && System.nanoTime() < deadline) {
            watcher.poll(Duration.ofMillis(50));
            long now = apns.totalReceived();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            }
        }
    }

    /** Waits a little for the stopped job to reach a terminal state; returns the state it has. */
    private static String awaitTerminal(StandaloneFlink flink, String jobId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String state = flink.jobState(jobId);
        while (!List.of("FINISHED", "CANCELED", "FAILED").contains(state) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            state = flink.jobState(jobId);
        }
        return state;
    }

    /**
     * What a stop that does not return leaves: the job's state, its savepoint (waited for a while,
     * so that the dump shows where the tasks are once it is taken), and the TaskManagers' threads
     * that wait in a delivery or in the final drain of the mailbox.
     */
    private static String hangEvidence(StandaloneFlink flink, String jobId) {
        StringBuilder b = new StringBuilder();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            JsonNode savepoint =
                    flink.rest("/jobs/" + jobId + "/checkpoints").path("latest").path("savepoint");
            while (!"COMPLETED".equals(savepoint.path("status").asText()) && System.nanoTime() < deadline) {
                Thread.sleep(500);
                savepoint = flink.rest("/jobs/" + jobId + "/checkpoints")
                        .path("latest")
                        .path("savepoint");
            }
            Thread.sleep(5_000); // time for the tasks to end, if they are going to
            b.append("job state: ").append(flink.jobState(jobId)).append('\n');
            b.append("latest savepoint: ").append(savepoint).append('\n');
        } catch (Exception e) {
            b.append("no job state: ").append(e).append('\n');
        }
        for (Map.Entry<Long, String> dump :
                ChildJvms.threadDumps("TaskManagerRunner").entrySet()) {
            Set<String> stuck = new LinkedHashSet<>(ChildJvms.threadsWith(dump.getValue(), "DeliveryOperator"));
            stuck.addAll(ChildJvms.threadsWith(dump.getValue(), "MailboxProcessor.drain"));
            b.append("TaskManager pid ")
                    .append(dump.getKey())
                    .append(": ")
                    .append(stuck.size())
                    .append(" thread(s) in a delivery or the final drain\n");
            stuck.forEach(t -> b.append(t).append("\n\n"));
        }
        return b.toString();
    }

    private static String perPlatform(SyntheticUsers users, TokenRegistry tokens, Platform platform) {
        long expected = 0;
        long lost = 0;
        long duplicates = 0;
        for (SyntheticUsers.Device d : users.devices()) {
            if (d.platform == platform && d.expectsDelivery()) {
                int n = tokens.received(d.token);
                expected++;
                lost += n == 0 ? 1 : 0;
                duplicates += Math.max(0, n - 1);
            }
        }
        return String.format("lost %,d, duplicates %,d (of %,d)", lost, duplicates, expected);
    }
}
