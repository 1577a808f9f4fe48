package io.herald.delivery;

import com.netflix.concurrency.limits.Limit;
import java.util.function.Consumer;

/**
 * Two of Netflix's limits side by side, the window the smaller: one that reads the round trip
 * (Gradient2, which does not look at drops) and one that reads pushback (AIMD: a tenth off for each
 * answer that says the provider is overloaded or never came, one more for each that does not).
 * concurrency-limits has no limit that does both; this is the glue, nothing more.
 */
final class RoundTripAndPushbackLimit implements Limit {
    private final Limit roundTrip;
    private final Limit pushback;

    RoundTripAndPushbackLimit(Limit roundTrip, Limit pushback) {
        this.roundTrip = roundTrip;
        this.pushback = pushback;
    }

    @Override
    public int getLimit() {
        return Math.min(roundTrip.getLimit(), pushback.getLimit());
    }

    @Override
    public void notifyOnChange(Consumer<Integer> consumer) {
        roundTrip.notifyOnChange(changed -> consumer.accept(getLimit()));
        pushback.notifyOnChange(changed -> consumer.accept(getLimit()));
    }

    @Override
    public void onSample(long startTime, long rtt, int inflight, boolean didDrop) {
        roundTrip.onSample(startTime, rtt, inflight, didDrop);
        pushback.onSample(startTime, rtt, inflight, didDrop);
    }
}
