package io.herald.job.fanout;

import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;

/** What the fan-out's instances and its {@link FireCheckCoordinator} tell each other about fire guards' counts. */
final class FireCheckEvents {
    private FireCheckEvents() {}

    /** One fire of one campaign, as a fire guard checks it: the campaign and the fire's time. */
    record Check(String campaignId, long firedAt) implements Serializable {
        Check {
            Objects.requireNonNull(campaignId, "campaignId");
        }
    }

    /**
     * An instance's count for a check, per key group it holds (the same key group counted twice,
     * after a restore, counts once).
     */
    record Count(Check check, int keyGroupsTotal, int[] keyGroups, long[] audience, long[] appDevices)
            implements OperatorEvent {}

    /** The whole job's count for a check, once every key group is counted: each instance decides on it. */
    record Totals(Check check, long audience, long appDevices) implements OperatorEvent {}
}
