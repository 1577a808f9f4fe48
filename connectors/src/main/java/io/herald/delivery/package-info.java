/**
 * Delivery to the providers: the {@link io.herald.delivery.DeliveryOperator} skeleton every provider
 * shares (bounded in flight, answers on record before receipts, cancels, a clean stop), a
 * {@link io.herald.delivery.Provider} per push service, what is refused before sending
 * ({@link io.herald.delivery.Preflight}), one classification of provider answers
 * ({@link io.herald.delivery.ProviderAnswers}), retries with backoff
 * ({@link io.herald.delivery.RetryingSender}), rate limits, and stopping an app whose credentials
 * are refused. A request written to a provider whose answer never came is {@code unconfirmed}, not
 * retried; one never written, or that the provider said it did not take, is retried
 * ({@link io.herald.delivery.Attempt}, {@link io.herald.delivery.RequestNotTaken}).
 */
package io.herald.delivery;
