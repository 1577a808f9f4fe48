/**
 * Measured campaigns' results, added up in the job: what the fan-out counts of users (exposures,
 * opens, conversions) and the deliveries of notifications are summed where they arise ({@link
 * io.herald.job.results.SumArmCounts}, a second's worth at a time and before every checkpoint
 * barrier), then per campaign ({@link io.herald.job.results.CampaignResults}), which writes the
 * {@code results} record to {@code campaign-status} every few seconds while they change.
 */
package io.herald.job.results;
