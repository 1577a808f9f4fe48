/**
 * The dataflow's smaller stages, one named function each, each tested with Flink's operator
 * harnesses (parsing, validation, claims of device ids and tokens, the split by platform, the
 * records written out), the {@link io.herald.job.functions.Descriptors} of every side output and
 * state, and the fan-out's state types, whose class names savepoints hold
 * ({@link io.herald.job.functions.WalkPosition}, {@link io.herald.job.functions.CampaignFanOut.CampaignEntry}).
 * The fan-out itself is in {@code io.herald.job.fanout}.
 */
package io.herald.job.functions;
