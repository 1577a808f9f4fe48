/**
 * Herald's own HTTP/2 client ({@link io.herald.http2.Http2Connections}): a few long-lived
 * connections over TLS to one HTTPS origin, many requests multiplexed on each, which tells the
 * caller when a request went out whole and when the server said it did not take it. FCM and web push
 * send through it; APNs has Pushy's.
 */
package io.herald.http2;
