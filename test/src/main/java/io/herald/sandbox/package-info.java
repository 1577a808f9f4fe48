/**
 * The local sandbox: a real in-process Kafka broker (KRaft), Pushy's MockApnsServer and an FCM v1
 * emulator over TLS, synthetic users, and a watcher that follows a campaign to its last receipt.
 * Used by {@code ./herald demo}, the end-to-end tests and the benchmarks.
 */
package io.herald.sandbox;
