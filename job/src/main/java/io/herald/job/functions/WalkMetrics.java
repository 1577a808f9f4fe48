package io.herald.job.functions;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The fan-out's metrics, in operator group {@code herald}: campaign progress as counters of users
 * walked and notifications handed out by fires, and the walks under way (fires, estimates, retries).
 */
public final class WalkMetrics {
    final Counter usersWalked;
    final Counter handedOut;

    public WalkMetrics(MetricGroup operator, java.util.function.LongSupplier walksUnderWay) {
        MetricGroup group = operator.addGroup("herald");
        usersWalked = group.counter("usersWalked");
        handedOut = group.counter("notificationsHandedOut");
        group.gauge("walksUnderWay", walksUnderWay::getAsLong);
    }
}
