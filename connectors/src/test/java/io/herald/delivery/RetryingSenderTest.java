package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.channel.DefaultEventLoop;
import io.netty.util.Timer;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Retries on the sender's own event loop: transient failures tried again within the budget, answers
 * that are final, Retry-After, the time limit, and a request written without an answer
 * ({@code unconfirmed}, never retried) told from one never taken ({@code failed}, retried).
 */
class RetryingSenderTest {
    private final DefaultEventLoop loop = new DefaultEventLoop();
    private final Timer timer = RetryingSender.newTimer("test");

    @AfterEach
    void stop() throws Exception {
        timer.stop();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private static SendRequest request() {
        SendRequest r = new SendRequest();
        r.notificationId = "c/d";
        r.platform = Platform.ANDROID;
        return r;
    }

    private static ProviderReply answer(Outcome outcome, int status, String reason, long retryAfterMs) {
        return new ProviderReply(Receipt.of(request(), outcome, status, reason, 1, 0), retryAfterMs);
    }

    /** In a script: the attempt's request went out in full, then it failed with {@code error}. */
    private record WrittenThen(Throwable error) {}

    private RetryingSender sender;

    /**
     * Plays the given answers in order, one per attempt, noting when each attempt was made: a reply,
     * a failure before the request went out (a Throwable), or a failure after ({@link WrittenThen}).
     */
    private Receipt run(RetryPolicy policy, long budgetMs, List<Long> attemptTimes, Object... answers)
            throws Exception {
        Deque<Object> script = new ArrayDeque<>(List.of(answers));
        CompletableFuture<Receipt> done = new CompletableFuture<>();
        sender = new RetryingSender(policy, loop, AccountSlots.unbudgeted(10, loop), timer, 10_000);
        sender.send(
                request(),
                attempt -> {
                    attemptTimes.add(System.currentTimeMillis());
                    Object next = script.poll();
                    if (next instanceof WrittenThen w) {
                        attempt.written();
                        return CompletableFuture.failedFuture(w.error());
                    }
                    return next instanceof Throwable
                            ? CompletableFuture.failedFuture((Throwable) next)
                            : CompletableFuture.completedFuture((ProviderReply) next);
                },
                System.currentTimeMillis() + budgetMs,
                done::complete);
        return done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void transientFailuresAreRetriedUntilDelivered() throws Exception {
        List<Long> times = new ArrayList<>();
        Receipt r = run(
                new RetryPolicy(5, 10, 100),
                5000,
                times,
                answer(Outcome.FAILED, 503, "ServiceUnavailable", 0),
                new IOException("connection reset"),
                answer(Outcome.DELIVERED, 200, null, 0));
        assertThat(r.outcome).isEqualTo(Outcome.DELIVERED);
        assertThat(r.attempts).isEqualTo(3);
        assertThat(times).hasSize(3);
        assertThat(sender.started()).as("attempts started, each retry one more").isEqualTo(3);
    }

    @Test
    void aRecallWaitingForItsRetryStartsNothingMoreAndTheCountOfStartedAttemptsSaysSo() throws Exception {
        sender =
                new RetryingSender(new RetryPolicy(5, 10, 100), loop, AccountSlots.unbudgeted(10, loop), timer, 10_000);
        List<Long> times = new CopyOnWriteArrayList<>();
        CompletableFuture<Receipt> done = new CompletableFuture<>();
        RetryingSender.Flight flight = sender.send(
                request(),
                attempt -> {
                    times.add(System.currentTimeMillis());
                    return CompletableFuture.completedFuture(answer(Outcome.FAILED, 503, "ServiceUnavailable", 1_000));
                },
                System.currentTimeMillis() + 5_000,
                done::complete);
        CompletableFuture<Void> recalled = new CompletableFuture<>();
        // The first attempt and its answer run on the loop; the recall comes after them, while the
        // retry waits out the provider's Retry-After.
        loop.submit(() -> {}).get(5, TimeUnit.SECONDS);
        assertThat(times).hasSize(1);
        flight.recall(() -> recalled.complete(null));
        recalled.get(5, TimeUnit.SECONDS);
        // Past the moment the retry would have started.
        loop.schedule(() -> {}, 1_500, TimeUnit.MILLISECONDS).get(5, TimeUnit.SECONDS);
        assertThat(times).as("no attempt after the recall").hasSize(1);
        assertThat(sender.started()).isEqualTo(1);
        assertThat(sender.atProvider()).isZero();
        assertThat(done).as("a recalled notification has no receipt").isNotDone();
    }

    @Test
    void aThrottlingProviderGetsARateLimitWhereThereWasNone() throws Exception {
        Receipt r = run(
                new RetryPolicy(5, 10, 100),
                5000,
                new ArrayList<>(),
                answer(Outcome.FAILED, 429, "TooManyRequests", 0),
                answer(Outcome.DELIVERED, 200, null, 0));
        assertThat(r.outcome).isEqualTo(Outcome.DELIVERED);
        assertThat(sender.providerRate()).isFinite().isGreaterThanOrEqualTo(10);
        assertThat(sender.retries()).isEqualTo(1);
    }

    @Test
    void permanentFailuresAreNotRetried() throws Exception {
        List<Long> times = new ArrayList<>();
        Receipt r = run(new RetryPolicy(5, 10, 100), 5000, times, answer(Outcome.TOKEN_DEAD, 410, "Unregistered", 0));
        assertThat(r.outcome).isEqualTo(Outcome.TOKEN_DEAD);
        assertThat(r.attempts).isEqualTo(1);
        assertThat(times).hasSize(1);
    }

    @Test
    void afterTheBudgetOfAttemptsTheReceiptSaysItGaveUp() throws Exception {
        List<Long> times = new ArrayList<>();
        Receipt r = run(
                new RetryPolicy(3, 5, 20),
                5000,
                times,
                answer(Outcome.FAILED, 429, "TooManyRequests", 0),
                answer(Outcome.FAILED, 429, "TooManyRequests", 0),
                answer(Outcome.FAILED, 429, "TooManyRequests", 0),
                answer(Outcome.DELIVERED, 200, null, 0));
        assertThat(r.outcome).isEqualTo(Outcome.FAILED);
        assertThat(r.attempts).isEqualTo(3);
        assertThat(r.reason).isEqualTo("gave up after 3 attempts: TooManyRequests");
        assertThat(times).hasSize(3);
    }

    @Test
    void retryAfterIsHonouredAndNoRetryStartsPastTheDeadline() throws Exception {
        List<Long> times = new ArrayList<>();
        Receipt r = run(
                new RetryPolicy(5, 1, 5),
                5000,
                times,
                answer(Outcome.FAILED, 429, "QUOTA_EXCEEDED", 300),
                answer(Outcome.DELIVERED, 200, null, 0));
        assertThat(r.outcome).isEqualTo(Outcome.DELIVERED);
        assertThat(times.get(1) - times.get(0)).isGreaterThanOrEqualTo(300);

        times.clear();
        Receipt late = run(
                new RetryPolicy(5, 1, 5),
                200,
                times,
                answer(Outcome.FAILED, 429, "QUOTA_EXCEEDED", 1000),
                answer(Outcome.DELIVERED, 200, null, 0));
        assertThat(late.outcome).isEqualTo(Outcome.FAILED);
        assertThat(late.reason).startsWith("gave up after 1 attempt");
        assertThat(times).hasSize(1);
    }

    @Test
    void backoffGrowsExponentiallyWithJitterUpToItsCeiling() {
        RetryPolicy p = new RetryPolicy(10, 100, 1000);
        for (int i = 0; i < 200; i++) {
            assertThat(p.delayBeforeRetry(1, 0, 0, Long.MAX_VALUE)).isBetween(50L, 100L);
            assertThat(p.delayBeforeRetry(3, 0, 0, Long.MAX_VALUE)).isBetween(200L, 400L);
            assertThat(p.delayBeforeRetry(9, 0, 0, Long.MAX_VALUE)).isBetween(500L, 1000L);
        }
        assertThat(p.delayBeforeRetry(10, 0, 0, Long.MAX_VALUE)).isEqualTo(-1);
    }

    @Test
    void aRequestWrittenWhoseConnectionIsLostIsUnconfirmedAndNotRetried() throws Exception {
        List<Long> times = new ArrayList<>();
        Receipt r = run(
                new RetryPolicy(5, 10, 100),
                5000,
                times,
                new WrittenThen(new IOException("Connection reset by peer")),
                answer(Outcome.DELIVERED, 200, null, 0));
        assertThat(r.outcome).isEqualTo(Outcome.UNCONFIRMED);
        assertThat(r.reason).isEqualTo("written, then no answer: IOException: Connection reset by peer");
        assertThat(r.providerStatus).isZero();
        assertThat(r.attempts).isEqualTo(1);
        assertThat(times).as("no second attempt").hasSize(1);
        assertThat(sender.retries()).isZero();
    }

    @Test
    void aRequestNeverWrittenIsAPlainFailureAndRetried_andSoIsOneTheProviderDidNotTake() throws Exception {
        List<Long> times = new ArrayList<>();
        Receipt r = run(
                new RetryPolicy(5, 10, 100),
                5000,
                times,
                new IOException("Connection refused"),
                new WrittenThen(new RequestNotTaken("the server went away (GOAWAY after stream 7) without taking it")),
                answer(Outcome.DELIVERED, 200, null, 0));
        assertThat(r.outcome).isEqualTo(Outcome.DELIVERED);
        assertThat(r.attempts).isEqualTo(3);

        Receipt gaveUp = run(
                new RetryPolicy(2, 10, 100),
                5000,
                new ArrayList<>(),
                new IOException("Connection refused"),
                new WrittenThen(new CompletionException(new RequestNotTaken("refused", new ClosedChannelException()))));
        assertThat(gaveUp.outcome).isEqualTo(Outcome.FAILED);
        assertThat(gaveUp.reason).startsWith("gave up after 2 attempts: no answer: ClosedChannelException");
    }

    @Test
    void aWrittenRequestStillUnansweredAtTheTimeLimitIsUnconfirmed() throws Exception {
        sender = new RetryingSender(new RetryPolicy(5, 10, 100), loop, AccountSlots.unbudgeted(10, loop), timer, 200);
        CompletableFuture<Receipt> done = new CompletableFuture<>();
        sender.send(
                request(),
                attempt -> {
                    attempt.written();
                    return new CompletableFuture<>();
                },
                System.currentTimeMillis() + 100,
                done::complete);
        Receipt r = done.get(5, TimeUnit.SECONDS);
        assertThat(r.outcome).isEqualTo(Outcome.UNCONFIRMED);
        assertThat(r.reason).isEqualTo("written, then no answer within 200 ms");
        assertThat(r.attempts).isEqualTo(1);
    }

    @Test
    void aNotificationWithoutAnAnswerFailsAtItsTimeLimitAndALateAnswerIsDropped() throws Exception {
        sender = new RetryingSender(new RetryPolicy(5, 10, 100), loop, AccountSlots.unbudgeted(10, loop), timer, 200);
        CompletableFuture<ProviderReply> neverAnswered = new CompletableFuture<>();
        List<Receipt> done = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> first = new CompletableFuture<>();
        long start = System.nanoTime();
        sender.send(request(), attempt -> neverAnswered, System.currentTimeMillis() + 100, r -> {
            done.add(r);
            first.complete(null);
        });
        first.get(5, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(190);
        assertThat(done).singleElement().satisfies(r -> {
            assertThat(r.outcome).isEqualTo(Outcome.FAILED);
            assertThat(r.reason).contains("no final answer within 200 ms");
        });

        neverAnswered.complete(answer(Outcome.DELIVERED, 200, null, 0));
        Thread.sleep(50);
        assertThat(done).hasSize(1);
    }
}
