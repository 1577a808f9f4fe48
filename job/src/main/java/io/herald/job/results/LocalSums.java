package io.herald.job.results;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Adds up counts where they arise (chained to the fan-out or a delivery), per key, so that what
 * crosses the network to a campaign's keyed sum is a record per key a second, not one per user or
 * notification: a local pre-aggregation with {@code sum}'s accumulators. Held in memory only:
 * everything is handed on before each checkpoint barrier ({@link #prepareSnapshotPreBarrier}), so a
 * checkpoint never holds a count that is neither upstream's nor downstream's, and a restore counts
 * each exactly once.
 *
 * <p>Bounded: at most {@link #MAX_KEYS} keys are held; one more hands them all on at once.
 *
 * @param <IN> what is counted
 * @param <ACC> the sum of one key, while it is held
 * @param <OUT> the sum handed on
 */
public final class LocalSums<IN, ACC, OUT> extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<IN, OUT>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /** Keys held before they are handed on. */
    static final int MAX_KEYS = 10_000;
    /** How often what is held is handed on. */
    static final long EVERY_MILLIS = 1_000;

    private final KeySelector<IN, ?> key;
    private final AggregateFunction<IN, ACC, OUT> sum;

    private transient Map<Object, ACC> sums;

    public LocalSums(KeySelector<IN, ?> key, AggregateFunction<IN, ACC, OUT> sum) {
        this.key = key;
        this.sum = sum;
    }

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
    public void processElement(StreamRecord<IN> element) throws Exception {
        IN value = element.getValue();
        Object k = key.getKey(value);
        ACC acc = sums.get(k);
        if (acc == null) {
            if (sums.size() >= MAX_KEYS) {
                flush();
            }
            acc = sum.createAccumulator();
        }
        sums.put(k, sum.add(value, acc));
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
        for (ACC acc : sums.values()) {
            output.collect(new StreamRecord<>(sum.getResult(acc)));
        }
        sums.clear();
    }
}
