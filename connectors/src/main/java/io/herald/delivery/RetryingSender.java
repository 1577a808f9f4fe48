package io.herald.delivery;

import io.herald.model.Outcome;
import io.herald.model.Receipt;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    private final AtomicLong retries = new AtomicLong();

    /** @param providerRate the provider's rate limit, which slows down when the provider throttles */
    public RetryingSender(RetryPolicy policy, EventExecutorGroup scheduler, RateLimiter providerRate) {
        this.policy = policy;
        this.scheduler = scheduler;
        this.providerRate = providerRate;
    }

    /** The provider's current rate limit, requests per second (infinite until it throttles, without a quota). */
    public double providerRate() {
        return providerRate.rate();
    }

    /** When attempts for {@code request} must stop: after the retry budget, and never past the campaign's expiry. */
    public static long deadline(io.herald.model.SendRequest request, long now, long budgetMs) {
        return request.expiresAt == null ? now + budgetMs : Math.min(now + budgetMs, request.expiresAt);
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
     * @param deadline epoch ms after which no attempt starts (the async operator's timeout comes later)
     */
    public void send(Supplier<CompletableFuture<Answer>> attempt, java.util.function.Function<Throwable, Receipt> onFailure,
            long deadline, Consumer<Receipt> done) {
        attempt(attempt, onFailure, deadline, done, 1);
    }

    private void attempt(Supplier<CompletableFuture<Answer>> attempt, java.util.function.Function<Throwable, Receipt> onFailure,
            long deadline, Consumer<Receipt> done, int number) {
        long wait = providerRate.reserve(System.nanoTime());
        if (wait > 0) {
            if (System.currentTimeMillis() + wait > deadline) {
                Receipt r = onFailure.apply(new java.util.concurrent.TimeoutException(
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
