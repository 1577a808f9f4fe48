package io.herald.delivery;

import io.herald.model.Outcome;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import java.io.Serializable;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What a provider's answer means, the one place it is decided for every provider: an HTTP status and
 * the provider's reason (APNs's {@code reason}, FCM's {@code errorCode}), with the Retry-After it
 * sent, make a {@link Kind}: delivered, dead token, credentials refused, worth another try (429 and
 * 5xx, after Retry-After), or refused for good. What differs between providers is a small table,
 * built with {@link #forProvider}: which statuses and reasons say the token is dead, and which say
 * the app's credentials were refused. The rest is the same for all: 2xx is delivered, 429 and 5xx
 * are transient, any other status is refused for good.
 *
 * <p>The order matters where a table could match twice: a dead token first (it is about the
 * device, whatever else is wrong), then refused credentials, then transient, then refused.
 */
public final class ProviderAnswers implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The longest Retry-After honoured: a provider asking for more is waited for an hour. */
    static final long MAX_RETRY_AFTER_MS = 3_600_000;

    /** What an answer means for the notification and for the app. */
    public enum Kind {
        /** Accepted (2xx). */
        DELIVERED(Outcome.DELIVERED),
        /** The token is dead: the device is disabled, nothing is retried. */
        TOKEN_DEAD(Outcome.TOKEN_DEAD),
        /** The app's credentials were refused: refused, and sending stops for the app ({@link CredentialStop}). */
        CREDENTIALS_REFUSED(Outcome.REJECTED),
        /** Failed for now (429, 5xx): tried again after the backoff, never sooner than Retry-After. */
        RETRYABLE(Outcome.FAILED),
        /** Refused for good (bad payload, wrong topic, ...): never retried. */
        REJECTED(Outcome.REJECTED);

        /** The receipt's outcome for an answer of this kind. */
        public final Outcome outcome;

        Kind(Outcome outcome) {
            this.outcome = outcome;
        }
    }

    private final String provider;
    private final Set<Integer> deadTokenStatuses;
    private final Set<String> deadTokenReasons;
    /** Status → the reasons at that status that refuse the credentials; an empty set: any reason. */
    private final Map<Integer, Set<String>> credentialStatuses;

    private final Set<String> notCredentialReasons;

    private ProviderAnswers(Builder b) {
        this.provider = b.provider;
        this.deadTokenStatuses = Set.copyOf(b.deadTokenStatuses);
        this.deadTokenReasons = Set.copyOf(b.deadTokenReasons);
        Map<Integer, Set<String>> credentials = new HashMap<>();
        b.credentialStatuses.forEach((status, reasons) -> credentials.put(status, Set.copyOf(reasons)));
        this.credentialStatuses = Map.copyOf(credentials);
        this.notCredentialReasons = Set.copyOf(b.notCredentialReasons);
    }

    /** A table for {@code provider} (its name as people read it), to fill in. */
    public static Builder forProvider(String provider) {
        return new Builder(provider);
    }

    /** The provider's name as people read it. */
    public String provider() {
        return provider;
    }

    /** What an answer with {@code status} and {@code reason} (null if none) means. */
    public Kind kindOf(int status, String reason) {
        if (status >= 200 && status < 300) {
            return Kind.DELIVERED;
        }
        if (deadTokenStatuses.contains(status) || (reason != null && deadTokenReasons.contains(reason))) {
            return Kind.TOKEN_DEAD;
        }
        Set<String> credentialReasons = credentialStatuses.get(status);
        if (credentialReasons != null
                && (reason == null || !notCredentialReasons.contains(reason))
                && (credentialReasons.isEmpty() || (reason != null && credentialReasons.contains(reason)))) {
            return Kind.CREDENTIALS_REFUSED;
        }
        if (isTransient(status)) {
            return Kind.RETRYABLE;
        }
        return Kind.REJECTED;
    }

    /**
     * The reply to an attempt of {@code request} that the provider answered: its receipt (the
     * provider's status and reason, with no reason for a delivery), the Retry-After of a transient
     * failure, and whether the app's credentials were refused.
     *
     * @param retryAfterMs what the provider asked to wait, in ms (see {@link #retryAfterMs}), or 0
     * @param tokenInvalidAt for a dead token, since when the provider says it is dead, or null
     */
    public ProviderReply reply(
            SendRequest request, int status, String reason, long retryAfterMs, long ackAt, Long tokenInvalidAt) {
        Kind kind = kindOf(status, reason);
        Receipt r = Receipt.of(request, kind.outcome, status, kind == Kind.DELIVERED ? null : reason, 1, ackAt);
        if (kind == Kind.TOKEN_DEAD) {
            r.tokenInvalidAt = tokenInvalidAt;
        }
        return new ProviderReply(r, kind == Kind.RETRYABLE ? retryAfterMs : 0, kind == Kind.CREDENTIALS_REFUSED);
    }

    /** 429 and 5xx: the provider failed for now, or asked the sender to slow down. */
    public static boolean isTransient(int status) {
        return status == 429 || status >= 500;
    }

    /** 429: the provider asked the sender to slow down (its rate limit halves, {@link RateLimiter}). */
    public static boolean isThrottle(int status) {
        return status == 429;
    }

    /**
     * A Retry-After header in delta-seconds (the form APNs and FCM send), in ms, at most an hour; an
     * HTTP date, garbage or no header count as none (0).
     */
    public static long retryAfterMs(CharSequence header) {
        if (header == null) {
            return 0;
        }
        try {
            long seconds = Long.parseLong(header.toString().trim());
            return seconds < 0 ? 0 : Math.min(seconds * 1000, MAX_RETRY_AFTER_MS);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** A provider's table being filled in. */
    public static final class Builder {
        private final String provider;
        private final Set<Integer> deadTokenStatuses = new HashSet<>();
        private final Set<String> deadTokenReasons = new HashSet<>();
        private final Map<Integer, Set<String>> credentialStatuses = new HashMap<>();
        private final Set<String> notCredentialReasons = new HashSet<>();

        private Builder(String provider) {
            this.provider = provider;
        }

        /** Statuses that say the token is dead, whatever the reason (APNs's 410). */
        public Builder deadTokenStatuses(Integer... statuses) {
            deadTokenStatuses.addAll(Set.of(statuses));
            return this;
        }

        /** Reasons that say the token is dead, whatever the status. */
        public Builder deadTokenReasons(String... reasons) {
            deadTokenReasons.addAll(Set.of(reasons));
            return this;
        }

        /**
         * A status that says the app's credentials were refused: with {@code reasons}, only for those
         * reasons; without, for any reason but those of {@link #notCredentials}.
         */
        public Builder credentialsRefused(int status, String... reasons) {
            credentialStatuses.computeIfAbsent(status, s -> new HashSet<>()).addAll(Set.of(reasons));
            return this;
        }

        /** Reasons that are about one notification, never the credentials, at any status. */
        public Builder notCredentials(String... reasons) {
            notCredentialReasons.addAll(Set.of(reasons));
            return this;
        }

        public ProviderAnswers build() {
            return new ProviderAnswers(this);
        }
    }
}
