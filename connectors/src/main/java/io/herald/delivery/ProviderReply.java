package io.herald.delivery;

import io.herald.model.Receipt;

/**
 * A provider's reply to one attempt, as a {@link Provider.Session} hands it to the
 * {@link RetryingSender}: the receipt it makes (classified by {@link ProviderAnswers}), the wait the
 * provider asked for before another try (Retry-After), and whether it refused the app's credentials.
 * (Not to be confused with {@link io.herald.model.Answer}, the final outcome as the answers topic
 * records it: a notification may get several replies, one per attempt, and has one answer.)
 */
public final class ProviderReply {
    public final Receipt receipt;
    /** What the provider asked to wait before another try, in ms; 0 if it did not say. */
    public final long retryAfterMs;
    /** The provider refused the app's credentials: every further notification for it would be refused. */
    public final boolean credentialsRefused;

    public ProviderReply(Receipt receipt, long retryAfterMs) {
        this(receipt, retryAfterMs, false);
    }

    public ProviderReply(Receipt receipt, long retryAfterMs, boolean credentialsRefused) {
        this.receipt = receipt;
        this.retryAfterMs = retryAfterMs;
        this.credentialsRefused = credentialsRefused;
    }
}
