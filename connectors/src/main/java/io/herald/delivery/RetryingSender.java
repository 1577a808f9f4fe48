package io.herald.delivery;

import io.herald.model.Outcome;
import io.herald.model.Receipt;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Sends one notification until it has a final answer: a transient failure ({@link Outcome#FAILED}) is
 * tried again after {@link RetryPolicy}'s wait, on the delivery's own event loop (nothing blocks), until
 * it succeeds, fails for good, or the budget runs out; then its receipt says it gave up. The waiting
 * notification keeps its place in the async operator, so retries count against the in-flight bound.
 * Every attempt first waits for its slot at the provider's {@link RateLimiter}, which slows down when
 * the provider answers 429: a throttling provider gets fewer requests, not a storm of retries.
 *
 * <p>It also keeps the notification's overall time limit: one without a final answer {@code timeoutMs}
 * after it was handed over gets a failed receipt, and whatever comes later is dropped. The limit is a
 * {@link HashedWheelTimer} timeout (constant time to set and cancel, to within a tick), rather than
 * the async operator's timer per element, whose cancelling cost the fan-out thread about a tenth of
 * its time in a profile at 20,000 notifications a second.
 */
public final class RetryingSender {
    /** One attempt's answer: its receipt and the wait the provider asked for (Retry-After), if any. */
    public static final class Answer {
        public final Receipt receipt;
        public final long retryAfterMs;

        public Answer(Receipt receipt, long retryAfterMs) {
            this.receipt = receipt;
            this.retryAfterMs = retryAfterMs;
        }
    }

    private final RetryPolicy policy;
    private final EventExecutorGroup scheduler;
    private final RateLimiter providerRate;
    private final Timer timer;
    private final long timeoutMs;
    private final AtomicLong retries = new AtomicLong();

    /**
     * @param scheduler where retries wait (the delivery's event loop)
     * @param providerRate the provider's rate limit, which slows down when the provider throttles
     * @param timer keeps each notification's time limit; the caller owns it and stops it
     * @param timeoutMs how long a notification may go without a final answer
     */
    public RetryingSender(RetryPolicy policy, EventExecutorGroup scheduler, RateLimiter providerRate, Timer timer,
            long timeoutMs) {
        this.policy = policy;
        this.scheduler = scheduler;
        this.providerRate = providerRate;
        this.timer = timer;
        this.timeoutMs = timeoutMs;
    }

    /** A timer fit for {@link #RetryingSender}'s time limits, on a daemon thread named after {@code owner}. */
    public static Timer newTimer(String owner) {
        return new HashedWheelTimer(new DefaultThreadFactory(owner + "-timeouts", true), 10, TimeUnit.MILLISECONDS);
    }

    /** The provider's current rate limit, requests per second (infinite until it throttles, without a quota). */
    public double providerRate() {
        return providerRate.rate();
    }

    /**
     * When attempts for {@code request} must stop: two thirds into its time limit, so the last attempt
     * has time to be answered, and never past the campaign's expiry.
     */
    public long deadline(io.herald.model.SendRequest request, long now) {
        long budgetEnd = now + timeoutMs * 2 / 3;
        return request.expiresAt == null ? budgetEnd : Math.min(budgetEnd, request.expiresAt);
    }

    /** Retries scheduled so far. */
    public long retries() {
        return retries.get();
    }

    /**
     * Runs {@code attempt} (a new request to the provider each time) until the answer is final, and
     * hands the final receipt, with its attempt count, to {@code done}.
     *
     * @param onFailure the receipt for an attempt that failed without an answer (connection reset, say)
     * @param deadline epoch ms after which no attempt starts (the time limit comes later)
     * @param done called once, with the final receipt or, past the time limit, a failed one
     */
    public void send(Supplier<CompletableFuture<Answer>> attempt, java.util.function.Function<Throwable, Receipt> onFailure,
            long deadline, Consumer<Receipt> done) {
        AtomicBoolean finished = new AtomicBoolean();
        Timeout limit = timer.newTimeout(t -> {
            if (finished.compareAndSet(false, true)) {
                done.accept(onFailure.apply(new TimeoutException("no final answer within " + timeoutMs + " ms")));
            }
        }, timeoutMs, TimeUnit.MILLISECONDS);
        attempt(attempt, onFailure, deadline, r -> {
            if (finished.compareAndSet(false, true)) {
                limit.cancel();
                done.accept(r);
            }
        }, 1);
    }

    private void attempt(Supplier<CompletableFuture<Answer>> attempt, java.util.function.Function<Throwable, Receipt> onFailure,
            long deadline, Consumer<Receipt> done, int number) {
        long wait = providerRate.reserve(System.nanoTime());
        if (wait > 0) {
            if (System.currentTimeMillis() + wait > deadline) {
                Receipt r = onFailure.apply(new TimeoutException(
                        "not sent within its time budget at the provider's rate limit"));
                r.attempts = number - 1;
                done.accept(r);
            } else {
                scheduler.schedule(() -> send(attempt, onFailure, deadline, done, number), wait, TimeUnit.MILLISECONDS);
            }
            return;
        }
        send(attempt, onFailure, deadline, done, number);
    }

    private void send(Supplier<CompletableFuture<Answer>> attempt, java.util.function.Function<Throwable, Receipt> onFailure,
            long deadline, Consumer<Receipt> done, int number) {
        CompletableFuture<Answer> sent;
        try {
            sent = attempt.get();
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((answer, error) -> {
            Receipt r = error != null ? onFailure.apply(error) : answer.receipt;
            r.attempts = number;
            if (r.providerStatus == 429) {
                providerRate.throttled(System.nanoTime());
            } else if (r.outcome == Outcome.DELIVERED) {
                providerRate.succeeded();
            }
            if (r.outcome != Outcome.FAILED) {
                done.accept(r);
                return;
            }
            long wait = policy.delayBeforeRetry(number, answer == null ? 0 : answer.retryAfterMs,
                    System.currentTimeMillis(), deadline);
            if (wait < 0) {
                if (number > 1 || policy.maxAttempts() > 1) {
                    r.reason = "gave up after " + number + (number == 1 ? " attempt: " : " attempts: ") + r.reason;
                }
                done.accept(r);
                return;
            }
            retries.incrementAndGet();
            scheduler.schedule(() -> attempt(attempt, onFailure, deadline, done, number + 1), wait, TimeUnit.MILLISECONDS);
        });
    }
}
