/**
 * Experiments: which arm of a campaign a user is in ({@link io.herald.experiment.ArmAssignment}), a
 * pure function of the campaign and the user, so every device of a user, every instance and every
 * run after a crash, a rescale, a replay or a retry puts the user in the same arm.
 */
package io.herald.experiment;
