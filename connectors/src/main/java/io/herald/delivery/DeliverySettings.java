package io.herald.delivery;

import java.io.Serializable;

/** How a delivery is bounded and retried; immutable, checked when made. */
public final class DeliverySettings implements Serializable {
    private static final long serialVersionUID = 1L;

    final int maxInFlight;
    final Concurrency concurrency;
    final RetryPolicy retryPolicy;
    final long timeoutMs;
    final long closeWaitMs;

    /** A window of exactly {@code maxInFlight} ({@link Concurrency#FIXED}). */
    public DeliverySettings(int maxInFlight, RetryPolicy retryPolicy, long timeoutMs, long closeWaitMs) {
        this(maxInFlight, Concurrency.FIXED, retryPolicy, timeoutMs, closeWaitMs);
    }

    /**
     * @param maxInFlight the most notifications between arrival and receipt, per instance; as
     *     many again may wait in the queue
     * @param concurrency how the window is found within {@code maxInFlight}
     * @param timeoutMs how long a notification may go without a final answer; retries stop two thirds in
     * @param closeWaitMs how long closing waits for the answers of attempts at the provider
     */
    public DeliverySettings(
            int maxInFlight, Concurrency concurrency, RetryPolicy retryPolicy, long timeoutMs, long closeWaitMs) {
        if (maxInFlight < 1 || timeoutMs < 1 || closeWaitMs < 0 || retryPolicy == null || concurrency == null) {
            throw new IllegalArgumentException("delivery settings need maxInFlight >= 1, timeoutMs >= 1, "
                    + "closeWaitMs >= 0, a concurrency and a retry policy");
        }
        this.maxInFlight = maxInFlight;
        this.concurrency = concurrency;
        this.retryPolicy = retryPolicy;
        this.timeoutMs = timeoutMs;
        this.closeWaitMs = closeWaitMs;
    }
}
