/** Delivery to Apple Push Notification service over HTTP/2 with Pushy and token (.p8) authentication. */
package io.herald.apns;
