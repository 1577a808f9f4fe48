/**
 * Send budgets: a provider account's quota (an FCM project, an APNs app) is one budget for the whole
 * job, and {@link io.herald.budget.ShareOut} divides it between the parallel instances by what each
 * asks for ({@link io.herald.budget.Demand}), not evenly. Pure functions; the coordinator that runs
 * them and the instances that report to it are in {@code io.herald.delivery}.
 */
package io.herald.budget;
