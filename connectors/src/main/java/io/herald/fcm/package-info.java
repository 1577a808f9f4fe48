/** Delivery to Firebase Cloud Messaging through the HTTP v1 API over HTTP/2. */
package io.herald.fcm;
