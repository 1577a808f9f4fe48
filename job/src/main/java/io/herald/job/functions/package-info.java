/**
 * The dataflow's stages, one small named function or operator each, each tested with Flink's
 * operator harnesses; the fan-out ({@link io.herald.job.functions.CampaignFanOut}) is an operator of
 * its own, which walks users in chunks through the task's mailbox.
 */
package io.herald.job.functions;
