/**
 * The job's keyed state and how it is written: one compact value per user (the fan-out's), and the
 * claims on device ids and tokens (the ownership stages').
 */
package io.herald.job.state;
