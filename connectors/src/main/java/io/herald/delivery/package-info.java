/**
 * Delivery to the providers: the {@link io.herald.delivery.DeliveryOperator} skeleton both providers
 * share (bounded in flight, answers on record before receipts, cancels, a clean stop), a
 * {@link io.herald.delivery.Provider} per push service, retries with backoff, rate limits, and
 * stopping an app whose credentials are refused.
 */
package io.herald.delivery;
