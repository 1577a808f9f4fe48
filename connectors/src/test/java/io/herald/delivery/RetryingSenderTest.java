package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.channel.DefaultEventLoop;
import io.netty.util.Timer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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

    private static RetryingSender.Answer answer(Outcome outcome, int status, String reason, long retryAfterMs) {
        return new RetryingSender.Answer(Receipt.of(request(), outcome, status, reason, 1, 0), retryAfterMs);
    }

    private RetryingSender sender;

    /** Plays the given answers in order, one per attempt, noting when each attempt was made. */
    private Receipt run(RetryPolicy policy, long budgetMs, List<Long> attemptTimes, Object... answers) throws Exception {
        Deque<Object> script = new ArrayDeque<>(List.of(answers));
        CompletableFuture<Receipt> done = new CompletableFuture<>();
        sender = new RetryingSender(policy, loop, new RateLimiter(Double.POSITIVE_INFINITY, 10), timer, 10_000);
        sender.send(() -> {
            attemptTimes.add(System.currentTimeMillis());
            Object next = script.poll();
            return next instanceof Throwable ? CompletableFuture.failedFuture((Throwable) next)
                    : CompletableFuture.completedFuture((RetryingSender.Answer) next);
        }, e -> Receipt.of(request(), Outcome.FAILED, 0, e.getMessage(), 1, 0), System.currentTimeMillis() + budgetMs,
                done::complete);
        return done.get(10, TimeUnit.SECONDS);
    }

    @Test
    void transientFailuresAreRetriedUntilDelivered() throws Exception {
        List<Long> times = new ArrayList<>();
        Receipt r = run(new RetryPolicy(5, 10, 100), 5000, times, answer(Outcome.FAILED, 503, "ServiceUnavailable", 0),
                new java.io.IOException("connection reset"), answer(Outcome.DELIVERED, 200, null, 0));
        assertThat(r.outcome).isEqualTo(Outcome.DELIVERED);
        assertThat(r.attempts).isEqualTo(3);
        assertThat(times).hasSize(3);
    }

    @Test
    void aThrottlingProviderGetsARateLimitWhereThereWasNone() throws Exception {
        Receipt r = run(new RetryPolicy(5, 10, 100), 5000, new ArrayList<>(),
                answer(Outcome.FAILED, 429, "TooManyRequests", 0), answer(Outcome.DELIVERED, 200, null, 0));
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
        Receipt r = run(new RetryPolicy(3, 5, 20), 5000, times, answer(Outcome.FAILED, 429, "TooManyRequests", 0),
                answer(Outcome.FAILED, 429, "TooManyRequests", 0), answer(Outcome.FAILED, 429, "TooManyRequests", 0),
                answer(Outcome.DELIVERED, 200, null, 0));
        assertThat(r.outcome).isEqualTo(Outcome.FAILED);
        assertThat(r.attempts).isEqualTo(3);
        assertThat(r.reason).isEqualTo("gave up after 3 attempts: TooManyRequests");
        assertThat(times).hasSize(3);
    }

    @Test
    void retryAfterIsHonouredAndNoRetryStartsPastTheDeadline() throws Exception {
        List<Long> times = new ArrayList<>();
        Receipt r = run(new RetryPolicy(5, 1, 5), 5000, times, answer(Outcome.FAILED, 429, "QUOTA_EXCEEDED", 300),
                answer(Outcome.DELIVERED, 200, null, 0));
        assertThat(r.outcome).isEqualTo(Outcome.DELIVERED);
        assertThat(times.get(1) - times.get(0)).isGreaterThanOrEqualTo(300);

        times.clear();
        Receipt late = run(new RetryPolicy(5, 1, 5), 200, times, answer(Outcome.FAILED, 429, "QUOTA_EXCEEDED", 1000),
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
    void aNotificationWithoutAnAnswerFailsAtItsTimeLimitAndALateAnswerIsDropped() throws Exception {
        sender = new RetryingSender(new RetryPolicy(5, 10, 100), loop, new RateLimiter(Double.POSITIVE_INFINITY, 10),
                timer, 200);
        CompletableFuture<RetryingSender.Answer> neverAnswered = new CompletableFuture<>();
        List<Receipt> done = new java.util.concurrent.CopyOnWriteArrayList<>();
        CompletableFuture<Void> first = new CompletableFuture<>();
        long start = System.nanoTime();
        sender.send(() -> neverAnswered, e -> Receipt.of(request(), Outcome.FAILED, 0, Receipt.describe(e), 1, 0),
                System.currentTimeMillis() + 100, r -> {
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
