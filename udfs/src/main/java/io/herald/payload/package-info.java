/** Provider request bodies: APNs payload JSON and FCM HTTP v1 message JSON. */
package io.herald.payload;
