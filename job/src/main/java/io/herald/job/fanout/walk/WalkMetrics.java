package io.herald.job.fanout.walk;

import java.util.function.LongSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The fan-out's metrics, in operator group {@code herald}: campaign progress as counters of users
 * walked and notifications handed out by fires, and the walks under way (fires, estimates, retries).
 */
public final class WalkMetrics {
    public final Counter usersWalked;
    public final Counter handedOut;

    public WalkMetrics(MetricGroup operator, LongSupplier walksUnderWay) {
        MetricGroup group = operator.addGroup("herald");
        usersWalked = group.counter("usersWalked");
        handedOut = group.counter("notificationsHandedOut");
        group.gauge("walksUnderWay", walksUnderWay::getAsLong);
    }
}
