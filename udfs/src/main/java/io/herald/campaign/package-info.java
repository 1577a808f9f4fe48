/** Campaigns: validation before anything is sent, and the prepared form the fan-out runs. */
package io.herald.campaign;
