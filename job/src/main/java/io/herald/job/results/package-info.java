/**
 * What the job adds up per campaign, so that people read a record every few seconds instead of every
 * receipt. Counts are summed where they arise ({@link io.herald.job.results.LocalSums}, a second's
 * worth at a time and before every checkpoint barrier), then per campaign: measured campaigns'
 * users (exposures, opens, conversions) and deliveries per arm ({@link
 * io.herald.job.results.CampaignResults}, the {@code results} record and tests' decisions), and
 * every campaign's receipts by outcome, reason and latency ({@link
 * io.herald.job.results.DeliveryTotals}, the {@code receipts} record), both written to {@code
 * campaign-status} every few seconds while they change.
 */
package io.herald.job.results;
