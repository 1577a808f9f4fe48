package io.herald.job.fanout;

import io.herald.job.fanout.FireCheckEvents.Check;
import io.herald.job.fanout.FireCheckEvents.Count;
import io.herald.job.fanout.FireCheckEvents.Totals;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;

/**
 * Adds up the fan-out's counts for fire guards over the whole job: each instance counts a fire's
 * audience and its app's devices in the key groups it holds and reports them; when every key group
 * is counted, the coordinator sends the totals to every instance, and each decides the same way
 * (fire, or refuse). Runs on the JobManager, in its main thread.
 *
 * <p>Counts are kept per key group, so a count reported again after a restore, at any parallelism,
 * replaces what it counted before. Totals sent are kept in checkpoints (the most recent {@link
 * #KEEP}): Flink delivers an event sent after the coordinator's checkpoint to the instances after
 * theirs, so an instance that started the fire before a checkpoint finds the totals again in it,
 * and one restored still waiting asks again and is answered at once. An instance asks again every
 * second until answered ({@link FireChecks}), so totals sent while it was not ready are sent again.
 * Counts not yet complete are not kept: after a restore, every instance that had counted reports
 * again.
 */
public final class FireCheckCoordinator implements OperatorCoordinator {
    /** Totals kept to answer instances that ask again; older checks are long decided. */
    static final int KEEP = 1_000;

    private final Context context;
    private SubtaskGateway[] gateways;
    /** Counts under way; a check of a fire overtaken by another (fired, or cancelled) never completes. */
    private final LinkedHashMap<Check, Tally> tallies = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Check, Tally> eldest) {
            return size() > KEEP;
        }
    };

    private final LinkedHashMap<Check, Totals> decided = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Check, Totals> eldest) {
            return size() > KEEP;
        }
    };

    /** Counts so far for one check, per key group. */
    private static final class Tally {
        final long[] audience;
        final long[] appDevices;
        final boolean[] counted;
        int missing;

        Tally(int keyGroups) {
            audience = new long[keyGroups];
            appDevices = new long[keyGroups];
            counted = new boolean[keyGroups];
            missing = keyGroups;
        }
    }

    FireCheckCoordinator(Context context) {
        this.context = context;
    }

    @Override
    public void start() {
        gateways = new SubtaskGateway[context.currentParallelism()];
    }

    @Override
    public void close() {}

    @Override
    public void handleEventFromOperator(int subtask, int attemptNumber, OperatorEvent event) {
        if (!(event instanceof Count count)) {
            return;
        }
        Totals known = decided.get(count.check());
        if (known != null) {
            send(subtask, known);
            return;
        }
        Tally t = tallies.computeIfAbsent(count.check(), c -> new Tally(count.keyGroupsTotal()));
        for (int i = 0; i < count.keyGroups().length; i++) {
            int g = count.keyGroups()[i];
            if (!t.counted[g]) {
                t.counted[g] = true;
                t.missing--;
            }
            t.audience[g] = count.audience()[i];
            t.appDevices[g] = count.appDevices()[i];
        }
        if (t.missing > 0) {
            return;
        }
        tallies.remove(count.check());
        long audience = 0;
        long devices = 0;
        for (int g = 0; g < t.counted.length; g++) {
            audience += t.audience[g];
            devices += t.appDevices[g];
        }
        Totals totals = new Totals(count.check(), audience, devices);
        decided.put(count.check(), totals);
        for (int i = 0; i < gateways.length; i++) {
            send(i, totals);
        }
    }

    private void send(int subtask, Totals totals) {
        SubtaskGateway g = gateways[subtask];
        if (g != null) {
            // An instance not ready now asks again when it is (its count is in its state).
            g.sendEvent(totals);
        }
    }

    @Override
    public void checkpointCoordinator(long checkpointId, CompletableFuture<byte[]> result) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(decided.size());
            for (Totals t : decided.values()) {
                out.writeUTF(t.check().campaignId());
                out.writeLong(t.check().firedAt());
                out.writeLong(t.audience());
                out.writeLong(t.appDevices());
            }
            out.flush();
            result.complete(bytes.toByteArray());
        } catch (IOException e) {
            result.completeExceptionally(e);
        }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {}

    @Override
    public void resetToCheckpoint(long checkpointId, byte[] checkpointData) throws IOException {
        tallies.clear();
        decided.clear();
        if (checkpointData == null || checkpointData.length == 0) {
            return;
        }
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(checkpointData));
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            Check c = new Check(in.readUTF(), in.readLong());
            decided.put(c, new Totals(c, in.readLong(), in.readLong()));
        }
    }

    @Override
    public void subtaskReset(int subtask, long checkpointId) {
        gateways[subtask] = null;
    }

    /** A failed attempt loses its gateway; a late word about an older attempt leaves the new one's. */
    @Override
    public void executionAttemptFailed(int subtask, int attemptNumber, Throwable reason) {
        SubtaskGateway g = gateways[subtask];
        if (g != null && g.getExecution().getAttemptNumber() == attemptNumber) {
            gateways[subtask] = null;
        }
    }

    @Override
    public void executionAttemptReady(int subtask, int attemptNumber, SubtaskGateway gateway) {
        gateways[subtask] = gateway;
    }

    /** Makes the coordinator of the fan-out; serialized into the job graph. */
    static final class Provider implements OperatorCoordinator.Provider {
        private static final long serialVersionUID = 1L;

        private final OperatorID operatorId;

        Provider(OperatorID operatorId) {
            this.operatorId = operatorId;
        }

        @Override
        public OperatorID getOperatorId() {
            return operatorId;
        }

        @Override
        public OperatorCoordinator create(Context context) {
            return new FireCheckCoordinator(context);
        }
    }
}
