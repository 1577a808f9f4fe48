package io.herald.job.fanout;

import io.herald.job.fanout.FireCheckEvents.Check;
import io.herald.job.fanout.FireCheckEvents.Count;
import io.herald.job.fanout.walk.Walk;
import io.herald.job.functions.WalkPosition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * The fan-out's side of fire guards: the checks this instance has counted, each kept (and
 * checkpointed with its counts) until the {@link FireCheckCoordinator} answers with the whole job's
 * totals. Until then its count is sent again every {@link #ASK_AGAIN_MS}: an answer sent while this
 * instance was not ready is not lost for good. Called on the task thread only.
 */
final class FireChecks {
    /** How often a check that has no answer yet is asked again. */
    static final long ASK_AGAIN_MS = 1_000;

    private final OperatorEventGateway coordinator;
    private final int keyGroupsTotal;
    /** Counted here, waiting for the totals. */
    private final Map<Check, Walk> counted = new LinkedHashMap<>();

    /** @param coordinator where counts go; null where there is none (a harness without one) */
    FireChecks(OperatorEventGateway coordinator, int keyGroupsTotal) {
        this.coordinator = coordinator;
        this.keyGroupsTotal = keyGroupsTotal;
    }

    static Check checkOf(Walk w) {
        return new Check(w.id().campaignId(), w.id().askedAt());
    }

    /** A check's walk has counted every key group here: its counts go to the coordinator, and it waits. */
    void counted(Walk check) {
        counted.put(checkOf(check), check);
        ask(check);
    }

    /** Sends the count of every check still waiting again. */
    void askAgain() {
        counted.values().forEach(this::ask);
    }

    private void ask(Walk check) {
        if (coordinator == null) {
            throw new FlinkRuntimeException("a fire guard needs the fan-out's coordinator, and this instance has none");
        }
        List<WalkPosition> positions = check.positions();
        int[] groups = new int[positions.size()];
        long[] audience = new long[groups.length];
        long[] devices = new long[groups.length];
        for (int i = 0; i < groups.length; i++) {
            WalkPosition p = positions.get(i);
            groups[i] = p.keyGroup;
            audience[i] = p.targeted;
            devices[i] = p.appDevices;
        }
        coordinator.sendEventToCoordinator(new Count(checkOf(check), keyGroupsTotal, groups, audience, devices));
    }

    /** The check the totals answer, no longer waiting; null if this instance was not waiting for it. */
    Walk answered(Check check) {
        Walk w = counted.remove(check);
        if (w != null) {
            w.close();
        }
        return w;
    }

    boolean isEmpty() {
        return counted.isEmpty();
    }

    /** Whether a check of the campaign waits here for its totals. */
    boolean waits(String campaignId) {
        return counted.keySet().stream().anyMatch(c -> c.campaignId().equals(campaignId));
    }

    boolean waits(Check check) {
        return counted.containsKey(check);
    }

    /** The campaign was cancelled, or fired: its checks wait no more. */
    void cancel(String campaignId) {
        counted.values().removeIf(w -> {
            if (w.id().campaignId().equals(campaignId)) {
                w.close();
                return true;
            }
            return false;
        });
    }

    /** Where the waiting checks stand (every key group counted), for the checkpoint. */
    List<WalkPosition> positions() {
        List<WalkPosition> all = new ArrayList<>();
        counted.values().forEach(w -> all.addAll(w.positions()));
        return all;
    }

    void close() {
        counted.values().forEach(Walk::close);
        counted.clear();
    }
}
