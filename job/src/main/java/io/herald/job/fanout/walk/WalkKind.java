package io.herald.job.fanout.walk;

import io.herald.job.functions.WalkPosition;
import io.herald.model.StatusKind;

/**
 * What a walk does with the devices it reaches, each kind with its {@link WalkAction} and the status
 * it ends with. A new kind is a constant here and an action class.
 */
public enum WalkKind {
    /** Hands the campaign out (a fire, a local-time moment, the devices quiet hours held). */
    FIRE(WalkPosition.Kind.FIRE, StatusKind.FANNED_OUT),
    /** Counts what a fire would reach. */
    ESTIMATE(WalkPosition.Kind.ESTIMATE, StatusKind.ESTIMATED),
    /** Hands the campaign out again to the devices whose last answer had one of the outcomes asked for. */
    RETRY(WalkPosition.Kind.RETRY, StatusKind.RETRIED),
    /** Counts what a retry would reach. */
    RETRY_ESTIMATE(WalkPosition.Kind.ESTIMATE, StatusKind.ESTIMATED),
    /**
     * Counts a fire's audience and the app's devices before the fire, for the app's fire guard,
     * which decides on the whole job's counts (checkpointed as an estimate with an id of its own).
     */
    FIRE_CHECK(WalkPosition.Kind.ESTIMATE, StatusKind.CHECKED);

    /** The kind as positions are checkpointed (an estimate of a retry is an estimate with outcomes). */
    public final WalkPosition.Kind checkpointed;
    /** The status an instance writes when it has walked all of its users. */
    public final StatusKind finalStatus;

    WalkKind(WalkPosition.Kind checkpointed, StatusKind finalStatus) {
        this.checkpointed = checkpointed;
        this.finalStatus = finalStatus;
    }

    /** Whether the walk hands notifications out (and so waits for room in the deliveries). */
    public boolean handsOut() {
        return this == FIRE || this == RETRY;
    }

    /** Whether the walk is for the devices of a retry (read from the answers before it starts). */
    public boolean needsRetryTargets() {
        return this == RETRY || this == RETRY_ESTIMATE;
    }

    /** The action of a walk of this kind. */
    WalkAction action(WalkPlan plan, WalkContext ctx, RetryTargets targets) {
        return switch (this) {
            case FIRE -> new FireAction(plan, ctx);
            case ESTIMATE -> new EstimateAction(plan, ctx);
            case RETRY -> new RetryAction(plan, ctx, targets);
            case RETRY_ESTIMATE -> new RetryEstimateAction(plan, targets);
            case FIRE_CHECK -> new FireCheckAction(plan);
        };
    }
}
