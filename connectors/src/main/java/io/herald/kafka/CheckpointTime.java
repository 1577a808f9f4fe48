package io.herald.kafka;

import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;

/**
 * When the checkpoint an operator was restored from was taken: where a restore starts reading the
 * {@link AnswerLog}. Kept in union operator state, so that every instance knows it after a rescale.
 */
public final class CheckpointTime {
    private static final ListStateDescriptor<Long> DESCRIPTOR =
            new ListStateDescriptor<>("checkpoint-time", Types.LONG);

    private final ListState<Long> state;
    private final long restored;

    private CheckpointTime(ListState<Long> state, long restored) {
        this.state = state;
        this.restored = restored;
    }

    /** Registers the state in {@code context} and reads what it was restored with. */
    public static CheckpointTime of(StateInitializationContext context) throws Exception {
        ListState<Long> state = context.getOperatorStateStore().getUnionListState(DESCRIPTOR);
        long restored = -1;
        if (context.isRestored()) {
            for (Long t : state.get()) {
                restored = restored < 0 ? t : Math.min(restored, t);
            }
        }
        return new CheckpointTime(state, restored);
    }

    /** The restored checkpoint's time (epoch ms), or -1 when the operator started without one. */
    public long restored() {
        return restored;
    }

    /** Keeps this checkpoint's time, for a restore from it. */
    public void snapshot(StateSnapshotContext context) throws Exception {
        state.update(List.of(context.getCheckpointTimestamp()));
    }
}
