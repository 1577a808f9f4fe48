/**
 * The fan-out: the operator that keeps every user's state and hands each campaign out over it
 * ({@link io.herald.job.fanout.FanOutOperator}, which keeps the Flink contract only), and its
 * collaborators, each with one job: its settings, the user updates, the campaign table, the answers
 * earlier runs left on record, the campaigns' timers, the reader of a retry's targets, and its
 * outputs. The walks themselves are in {@link io.herald.job.fanout.walk}.
 */
package io.herald.job.fanout;
