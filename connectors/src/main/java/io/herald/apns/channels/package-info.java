/**
 * APNs's channel management API: the broadcast channels an app's Live Activities subscribe to,
 * created, listed, read and deleted over HTTP/2 with the app's provider token (Pushy has no client
 * for it). Sending on a channel is the delivery's ({@code io.herald.apns.ApnsProvider}).
 */
package io.herald.apns.channels;
