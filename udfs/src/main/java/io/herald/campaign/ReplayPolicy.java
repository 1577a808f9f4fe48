package io.herald.campaign;

import java.time.Duration;
import java.time.Instant;

/**
 * Why a fire, a send or a schedule that came due is not acted on by this run of the job, or null
 * when it is: pure, from when and how the run started.
 *
 * <p>Only records written before this run started can be skipped (a replay reads them again): by a
 * job that started without state, they are history; after a restore, those older than the replay
 * window are, unless the campaign asks to be resumed. Schedules are not held to the window: one
 * whose time passed while the job was down fires when it is back, however long that was, unless the
 * campaign expired meanwhile or a later run finished it.
 *
 * @param startedAt when this run started (processing time, epoch ms)
 * @param restored whether it started from a checkpoint or savepoint
 * @param replayWindowMillis a fire or send read again after a restore is acted on only if younger
 * @param fireOnFreshStart whether a job started without state acts on fires older than its start
 * @param clockSkewMillis records written this shortly before the start still count as new
 */
public record ReplayPolicy(
        long startedAt, boolean restored, long replayWindowMillis, boolean fireOnFreshStart, long clockSkewMillis) {
    /**
     * Why a fire or send written at {@code writtenAt} is not acted on, or null. What an earlier run
     * already had answered is not sent again either way (the answers read at start say so).
     *
     * @param resumeOnReplay the campaign's {@code resumeOnReplay}
     */
    public String skipRecord(long writtenAt, boolean resumeOnReplay) {
        if (writtenAt >= startedAt - clockSkewMillis) {
            return null;
        }
        if (!restored) {
            return fireOnFreshStart
                    ? null
                    : "written before this job started, and the job started without state: taken for history "
                            + "(replay.fireOnFreshStart acts on it)";
        }
        long age = startedAt - writtenAt;
        if (age <= replayWindowMillis || resumeOnReplay) {
            return null;
        }
        return "written " + Duration.ofMillis(age).toMinutes() + " min before this job was restored, more than "
                + "replay.resumeCampaignsFiredWithinMs ("
                + Duration.ofMillis(replayWindowMillis).toMinutes()
                + " min): not resumed (resumeOnReplay on the campaign resumes it)";
    }

    /**
     * Why a schedule due at {@code at} is not acted on at {@code now}, or null. A job started
     * without state rebuilds the campaigns from the topic and takes schedules that came due before
     * it started for history, as it does fires.
     *
     * @param expiresAt the campaign's {@code expiresAt}, or null
     * @param finishedEarlier why an earlier run finished the campaign (read at a restore), or null
     */
    public String skipSchedule(long at, long now, Long expiresAt, String finishedEarlier) {
        if (expiresAt != null && expiresAt <= now) {
            return "scheduled for " + Instant.ofEpochMilli(at) + " and expired at " + Instant.ofEpochMilli(expiresAt)
                    + ", before the job could fire it";
        }
        if (at < startedAt - clockSkewMillis && !restored && !fireOnFreshStart) {
            return "scheduled for " + Instant.ofEpochMilli(at) + ", before this job started, and the job "
                    + "started without state: taken for history (replay.fireOnFreshStart acts on it)";
        }
        return at < startedAt ? finishedEarlier : null;
    }
}
