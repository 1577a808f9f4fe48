/**
 * Campaigns: validation before anything is sent, the prepared form the fan-out runs, and their
 * timing: local-time schedules and frequency caps.
 */
package io.herald.campaign;
