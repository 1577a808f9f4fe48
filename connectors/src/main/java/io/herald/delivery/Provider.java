package io.herald.delivery;

import io.herald.budget.SendBudget;
import io.herald.model.Platform;
import io.netty.channel.EventLoopGroup;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A push provider as the {@link DeliveryOperator} drives it: what differs between providers (how a
 * request is sent and its answer read, the provider's rate, which answers mean what) and nothing
 * else. Its send budgets are configuration it states ({@link #budgets}). Bounds, retries, refusals before sending ({@link Preflight}), stopping an app for refused
 * credentials, cancels, metrics and the record of answers are the operator's, the same for all. A
 * new provider (web push, say) is one implementation of this interface and a {@link ProviderAnswers}
 * table, handed to a new {@code DeliveryOperator}; the operator does not change.
 *
 * <p>Implementations are serialized into the job graph: they hold configuration only, and make
 * their connections in {@link #connect}, once per parallel instance.
 */
public interface Provider extends Serializable {
    /** The provider's name as people read it ("APNs", "FCM", "Web push"). */
    String displayName();

    /**
     * The provider's name in identifiers ("apns", "fcm", "webpush"): its delivery's operator uids
     * ({@code deliver-<id>}, so it never changes once a savepoint holds it) and metric groups.
     */
    String id();

    /** The platform whose devices this provider reaches: its delivery's place in the task's {@link DeliveryRoom}. */
    Platform platform();

    /**
     * Each app's send budget over the whole job, by app id (apps of one account share one budget);
     * an app without one has no ceiling until the provider throttles.
     */
    default Map<String, SendBudget> budgets() {
        return Map.of();
    }

    /**
     * The most this provider's delivery keeps in flight per instance, given the configured
     * {@code maxInFlight}: the configured one, unless work done inside the provider before a request
     * can leave (web push's encryption) would queue so long behind a large window that a pause or a
     * cancel, which takes back only what was not started, would come late.
     */
    default int maxInFlight(int configured) {
        return configured;
    }

    /** Connects for every configured app, on {@code eventLoop}; once per parallel instance of {@code instances}. */
    Session connect(EventLoopGroup eventLoop, int instances) throws Exception;

    /** One parallel instance's connections. */
    interface Session extends AutoCloseable {
        /** Whether the configuration has credentials for {@code appId} at this provider. */
        boolean serves(String appId);

        /**
         * Sends one attempt of {@code attempt.request()}: a new request to the provider, never
         * blocking. The future completes with the provider's reply, read with its
         * {@link ProviderAnswers}, or fails when no answer came. Along the way the session calls
         * {@link Attempt#written()} once the whole request has gone out on a connection, if it can
         * tell: a failure after that is receipted {@code unconfirmed} and not retried, unless the
         * session fails it with {@link RequestNotTaken} (the provider said it did not take it, or the
         * write did not complete after all). A session that cannot tell never calls it, and its
         * failures are retried.
         */
        CompletableFuture<ProviderReply> send(Attempt attempt);
    }

    /** A session over one connection handle per app ({@code T}). */
    abstract class AppSession<T> implements Session {
        protected final Map<String, T> apps;

        protected AppSession(Map<String, T> apps) {
            this.apps = apps;
        }

        @Override
        public boolean serves(String appId) {
            return apps.containsKey(appId);
        }
    }
}
