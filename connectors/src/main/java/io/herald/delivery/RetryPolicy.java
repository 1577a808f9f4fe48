package io.herald.delivery;

import java.io.Serializable;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try a transiently failed notification again: exponential backoff with full jitter (so a
 * throttled provider is not hit by every retry at once), at least as long as the provider's
 * Retry-After asks, within a budget of attempts and of time.
 */
public final class RetryPolicy implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int maxAttempts;
    private final long baseDelayMs;
    private final long maxDelayMs;

    /**
     * @param maxAttempts attempts in all, the first included (1 means never retry)
     * @param baseDelayMs the backoff ceiling after the first failure; it doubles with each failure
     * @param maxDelayMs the largest backoff ceiling
     */
    public RetryPolicy(int maxAttempts, long baseDelayMs, long maxDelayMs) {
        if (maxAttempts < 1 || baseDelayMs < 1 || maxDelayMs < baseDelayMs) {
            throw new IllegalArgumentException(
                    "retry policy needs maxAttempts >= 1 and 1 <= baseDelayMs <= maxDelayMs");
        }
        this.maxAttempts = maxAttempts;
        this.baseDelayMs = baseDelayMs;
        this.maxDelayMs = maxDelayMs;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    /**
     * The wait before attempt {@code failedAttempts + 1}, or -1 to give up: no attempts left, or the
     * wait would end after {@code deadline}.
     *
     * @param failedAttempts attempts made so far, all failed transiently
     * @param retryAfterMs what the provider asked for, or 0
     */
    public long delayBeforeRetry(int failedAttempts, long retryAfterMs, long now, long deadline) {
        if (failedAttempts >= maxAttempts) {
            return -1;
        }
        long ceiling = Math.min(maxDelayMs, baseDelayMs << Math.min(failedAttempts - 1, 30));
        long delay = Math.max(retryAfterMs, ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1));
        return now + delay < deadline ? delay : -1;
    }
}
