package io.herald.job.results;

import io.herald.model.ArmCounts;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Adds up the counts of each campaign's arm where they arise (chained to the fan-out or a delivery),
 * so that what crosses the network to the campaign's results is a record per arm a second, not one
 * per user or notification. Held in memory only: everything is handed on before each checkpoint
 * barrier ({@link #prepareSnapshotPreBarrier}), so a checkpoint never holds a count that is neither
 * upstream's nor downstream's, and a restore counts each exactly once.
 *
 * <p>Bounded: at most {@link #MAX_ARMS} arms are held; one more hands them all on at once.
 */
public final class SumArmCounts extends AbstractStreamOperator<ArmCounts>
        implements OneInputStreamOperator<ArmCounts, ArmCounts>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /** Arms held before they are handed on. */
    static final int MAX_ARMS = 10_000;
    /** How often what is held is handed on. */
    static final long EVERY_MILLIS = 1_000;

    private record Key(String campaignId, String arm, boolean heldOut) {}

    private transient Map<Key, ArmCounts> sums;

    @Override
    public void open() throws Exception {
        super.open();
        sums = new HashMap<>();
        scheduleFlush();
    }

    private void scheduleFlush() {
        long now = getProcessingTimeService().getCurrentProcessingTime();
        getProcessingTimeService().registerTimer(now + EVERY_MILLIS, time -> {
            flush();
            scheduleFlush();
        });
    }

    @Override
    public void processElement(StreamRecord<ArmCounts> element) {
        ArmCounts delta = element.getValue();
        Key key = new Key(delta.campaignId, delta.arm, delta.heldOut);
        ArmCounts sum = sums.get(key);
        if (sum == null) {
            if (sums.size() >= MAX_ARMS) {
                flush();
            }
            sum = ArmCounts.of(delta.campaignId, delta.arm, delta.heldOut);
            sums.put(key, sum);
        }
        sum.add(delta);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flush();
    }

    @Override
    public void endInput() {
        flush();
    }

    private void flush() {
        for (ArmCounts sum : sums.values()) {
            output.collect(new StreamRecord<>(sum));
        }
        sums.clear();
    }
}
