package io.herald.delivery;

import io.herald.model.Outcome;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Sends one notification until it has a final answer: a transient failure ({@link Outcome#FAILED}) is
 * tried again after {@link RetryPolicy}'s wait, on the delivery's own event loop (nothing blocks), until
 * it succeeds, fails for good, or the budget runs out; then its receipt says it gave up. The waiting
 * notification keeps its place in the delivery's bounded in-flight window, so retries count against it.
 * Every attempt first waits for its slot in its account's {@link RateSlots} (urgent ones first), whose rate slows down when
 * the provider answers 429: a throttling provider gets fewer requests, not a storm of retries.
 *
 * <p><b>No answer.</b> An attempt that ends without an answer is one of two things, and the
 * {@link Attempt} tells which. If its request was never written in full (no connection, the write
 * failed, or the provider said it did not take it: {@link RequestNotTaken}), the provider never had
 * it: a plain failure, tried again. If it was written and then the connection was lost, it may well
 * have arrived (in an APNs outage whose connections were reset, 98% of such notifications had): it
 * ends at once as {@link Outcome#UNCONFIRMED} and is <em>not</em> tried again, because a retry
 * would duplicate most of them on the phones, which is worse than the few that may be missing (a
 * {@code retry} of the campaign that names {@code unconfirmed} sends them again on purpose). A
 * connection that closes fails its streams at once (Pushy's and Herald's HTTP/2 clients both do),
 * so such a notification is receipted then, not at the time limit.
 *
 * <p>It also keeps the notification's overall time limit: one without a final answer {@code timeoutMs}
 * after it was handed over gets a receipt, and whatever comes later is dropped: {@code unconfirmed} if
 * the attempt then at the provider had been written, else {@code failed}. The limit is a
 * {@link HashedWheelTimer} timeout (constant time to set and cancel, to within a tick), rather than a
 * Flink timer per element, whose cancelling cost the fan-out thread about a tenth of its time in a
 * profile at 20,000 notifications a second.
 *
 * <p>Each notification is a {@link Flight}: waiting (for its rate slot or a retry), at the provider,
 * or finished. A {@linkplain Flight#cancel cancel} finishes a waiting one at once and keeps a
 * notification at the provider from being tried again; once the sender is {@linkplain #close closed}
 * no attempt starts at all.
 */
public final class RetryingSender {
    private final RetryPolicy policy;
    private final EventExecutorGroup scheduler;
    private final AccountSlots slots;
    private final Timer timer;
    private final long timeoutMs;
    private final AtomicLong retries = new AtomicLong();
    private final AtomicInteger atProvider = new AtomicInteger();
    private final AtomicLong started = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param scheduler where retries wait (the delivery's event loop)
     * @param slots the rate limits of the provider's accounts, which slow down when the provider throttles
     * @param timer keeps each notification's time limit; the caller owns it and stops it
     * @param timeoutMs how long a notification may go without a final answer
     */
    public RetryingSender(
            RetryPolicy policy, EventExecutorGroup scheduler, AccountSlots slots, Timer timer, long timeoutMs) {
        this.policy = policy;
        this.scheduler = scheduler;
        this.slots = slots;
        this.timer = timer;
        this.timeoutMs = timeoutMs;
    }

    /** A timer fit for {@link #RetryingSender}'s time limits, on a daemon thread named after {@code owner}. */
    public static Timer newTimer(String owner) {
        return new HashedWheelTimer(new DefaultThreadFactory(owner + "-timeouts", true), 10, TimeUnit.MILLISECONDS);
    }

    /** The provider's current rate limits, requests per second, summed (infinite until it throttles, without a quota). */
    public double providerRate() {
        return slots.rate();
    }

    /**
     * When attempts for {@code request} must stop: two thirds into its time limit, so the last attempt
     * has time to be answered, and never past the campaign's expiry.
     */
    public long deadline(SendRequest request, long now) {
        long budgetEnd = now + timeoutMs * 2 / 3;
        return request.expiresAt == null ? budgetEnd : Math.min(budgetEnd, request.expiresAt);
    }

    /** Retries scheduled so far. */
    public long retries() {
        return retries.get();
    }

    /**
     * Attempts started since this sender was made, each retry one more. An attempt is counted
     * before it takes its turn (and uncounted if a cancel or recall took the turn first), so a
     * count read after a recall includes every attempt that recall could not stop.
     */
    public long started() {
        return started.get();
    }

    /** Attempts at the provider now, waiting for its answer. */
    public int atProvider() {
        return atProvider.get();
    }

    /**
     * From now on no attempt starts: notifications waiting for a slot or a retry stay unfinished
     * (their delivery's state still holds them), and the ones at the provider finish with its answer.
     */
    public void close() {
        closed = true;
    }

    /**
     * Runs {@code attempt} (a new request to the provider each time, reporting on itself through the
     * {@link Attempt} it is given) until the answer is final, and hands the final receipt, with its
     * attempt count, to {@code done}.
     *
     * @param deadline epoch ms after which no attempt starts (the time limit comes later)
     * @param done called once, with the final receipt or, past the time limit, a failed or unconfirmed one
     * @return the notification, to cancel it
     */
    public Flight send(
            SendRequest request,
            Function<Attempt, CompletableFuture<ProviderReply>> attempt,
            long deadline,
            Consumer<Receipt> done) {
        Flight f = new Flight(request, attempt, deadline, done);
        f.limit = timer.newTimeout(t -> f.timedOut(), timeoutMs, TimeUnit.MILLISECONDS);
        f.waitForSlot(1);
        return f;
    }

    /** One notification on its way: waiting, at the provider, or finished. */
    public final class Flight {
        private static final int WAITING = 0;
        private static final int AT_PROVIDER = 1;
        private static final int FINISHED = 2;

        private final SendRequest request;
        private final Function<Attempt, CompletableFuture<ProviderReply>> attempt;
        private final long deadline;
        private final Consumer<Receipt> done;
        private final AtomicInteger state = new AtomicInteger(WAITING);
        private volatile Supplier<Receipt> cancelled;
        private volatile Runnable recalled;
        private volatile Timeout limit;
        /** Nanoseconds spent waiting for rate slots, all attempts together; and when the current wait began. */
        private volatile long slotWaitNanos;

        private volatile long askedAt;
        /** The attempt started last, or null before the first. */
        private volatile Attempt current;

        private Flight(
                SendRequest request,
                Function<Attempt, CompletableFuture<ProviderReply>> attempt,
                long deadline,
                Consumer<Receipt> done) {
            this.request = request;
            this.attempt = attempt;
            this.deadline = deadline;
            this.done = done;
        }

        /**
         * Starts no further attempt: if the notification is waiting it finishes now with
         * {@code receipt}; if it is at the provider, the provider's answer stands, but a transient
         * failure is not tried again and finishes with {@code receipt}.
         */
        public void cancel(Supplier<Receipt> receipt) {
            cancelled = receipt;
            if (state.compareAndSet(WAITING, FINISHED)) {
                end(receipt.get());
            }
        }

        /**
         * Takes the notification back, unsent and without a receipt (a pause): if it is waiting, now;
         * if it is at the provider, the provider's answer stands, but a transient failure is not
         * tried again. Either way {@code recalled} runs once, and {@code done} never does.
         */
        public void recall(Runnable recalled) {
            this.recalled = recalled;
            if (state.compareAndSet(WAITING, FINISHED)) {
                takenBack(recalled);
            }
        }

        private void takenBack(Runnable recalled) {
            Timeout t = limit;
            if (t != null) {
                t.cancel();
            }
            recalled.run();
        }

        /** The receipt of an attempt without an answer, or of none: Herald's reason, no provider status. */
        private Receipt noAnswer(Outcome outcome, String reason, int attempts) {
            return Receipt.of(request, outcome, 0, reason, attempts, System.currentTimeMillis());
        }

        private void waitForSlot(int number) {
            RateSlots at = slots.forApp(request.appId);
            askedAt = System.nanoTime();
            at.take(
                    new RateSlots.Waiter() {
                        @Override
                        public boolean stillWaiting() {
                            return !closed && state.get() == WAITING;
                        }

                        @Override
                        public void go() {
                            slotWaitNanos += System.nanoTime() - askedAt;
                            if (System.currentTimeMillis() > deadline) {
                                finish(noAnswer(
                                        Outcome.FAILED,
                                        Receipt.describe(new TimeoutException(
                                                "not sent within its time budget at the provider's rate limit")),
                                        number - 1));
                            } else {
                                start(number);
                            }
                        }
                    },
                    request.urgent);
        }

        private void start(int number) {
            if (closed) {
                return;
            }
            Supplier<Receipt> cancel = cancelled;
            if (cancel != null) {
                if (state.compareAndSet(WAITING, FINISHED)) {
                    end(cancel.get());
                }
                return;
            }
            Runnable recall = recalled;
            if (recall != null) {
                if (state.compareAndSet(WAITING, FINISHED)) {
                    takenBack(recall);
                }
                return;
            }
            started.incrementAndGet();
            if (!state.compareAndSet(WAITING, AT_PROVIDER)) {
                started.decrementAndGet();
                return;
            }
            atProvider.incrementAndGet();
            Attempt a = new Attempt(request, number);
            current = a;
            CompletableFuture<ProviderReply> sent;
            try {
                sent = attempt.apply(a);
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((reply, error) -> {
                atProvider.decrementAndGet();
                answered(reply, error, a);
            });
        }

        private void answered(ProviderReply reply, Throwable error, Attempt a) {
            int number = a.number();
            Receipt r;
            if (error == null) {
                r = reply.receipt;
                r.attempts = number;
            } else if (a.isWritten() && !RequestNotTaken.in(error)) {
                // Written, then the connection was lost: it most likely arrived. Final, never retried.
                r = noAnswer(Outcome.UNCONFIRMED, "written, then " + Receipt.describe(error), number);
            } else {
                r = noAnswer(Outcome.FAILED, Receipt.describe(error), number);
            }
            RateLimiter limit = slots.forApp(request.appId).limit();
            if (ProviderAnswers.isThrottle(r.providerStatus)) {
                limit.throttled(System.nanoTime());
            } else if (r.outcome == Outcome.DELIVERED) {
                limit.succeeded();
            }
            if (r.outcome != Outcome.FAILED) {
                finishFrom(AT_PROVIDER, r);
                return;
            }
            Supplier<Receipt> cancel = cancelled;
            if (cancel != null) {
                finishFrom(AT_PROVIDER, cancel.get());
                return;
            }
            Runnable recall = recalled;
            if (recall != null) {
                if (state.compareAndSet(AT_PROVIDER, FINISHED)) {
                    takenBack(recall);
                }
                return;
            }
            long wait = policy.delayBeforeRetry(
                    number, reply == null ? 0 : reply.retryAfterMs, System.currentTimeMillis(), deadline);
            if (wait < 0) {
                if (number > 1 || policy.maxAttempts() > 1) {
                    r.reason = "gave up after " + number + (number == 1 ? " attempt: " : " attempts: ") + r.reason;
                }
                finishFrom(AT_PROVIDER, r);
                return;
            }
            if (state.compareAndSet(AT_PROVIDER, WAITING)) {
                retries.incrementAndGet();
                scheduler.schedule(() -> waitForSlot(number + 1), wait, TimeUnit.MILLISECONDS);
            }
        }

        /**
         * The time limit: {@code unconfirmed} if the attempt at the provider now was written (its
         * answer is what is missing), else {@code failed} (waiting for a retry, a rate slot, or a
         * connection: never taken).
         */
        private void timedOut() {
            Attempt a = current;
            int attempts = a == null ? 0 : a.number();
            Receipt r = state.get() == AT_PROVIDER && a != null && a.isWritten()
                    ? noAnswer(Outcome.UNCONFIRMED, "written, then no answer within " + timeoutMs + " ms", attempts)
                    : noAnswer(
                            Outcome.FAILED,
                            Receipt.describe(new TimeoutException("no final answer within " + timeoutMs + " ms")),
                            attempts);
            finish(r);
        }

        private void finishFrom(int from, Receipt r) {
            if (state.compareAndSet(from, FINISHED)) {
                end(r);
            }
        }

        /** Finishes from any state but finished (the time limit, or no slot within the budget). */
        private void finish(Receipt r) {
            int s;
            while ((s = state.get()) != FINISHED) {
                if (state.compareAndSet(s, FINISHED)) {
                    end(r);
                    return;
                }
            }
        }

        private void end(Receipt r) {
            r.waitedForSlotMs = TimeUnit.NANOSECONDS.toMillis(slotWaitNanos);
            Timeout t = limit;
            if (t != null) {
                t.cancel();
            }
            done.accept(r);
        }
    }
}
