/**
 * Walks: how a fan-out instance goes through the users it holds for one campaign. The
 * {@link io.herald.job.fanout.walk.Walker} runs one mail at a time and never waits in one; a
 * {@link io.herald.job.fanout.walk.Walk} has its cursors (one per platform that had to go on
 * apart), its pace, its device gates (a local-time moment, quiet hours) and one action per
 * {@link io.herald.job.fanout.walk.WalkKind} (fire, estimate, retry, estimate of a retry); a
 * {@link io.herald.job.fanout.walk.WalkId} names each walk and is encoded to its checkpointed form in
 * one place. A new walk kind or device gate is a new class and one line that registers it.
 */
package io.herald.job.fanout.walk;
