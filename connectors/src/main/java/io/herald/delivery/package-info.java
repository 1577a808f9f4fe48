/** What both providers' delivery operators share: retries with backoff, and stopping an app whose credentials are refused. */
package io.herald.delivery;
