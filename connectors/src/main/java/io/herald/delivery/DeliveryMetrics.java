package io.herald.delivery;

import io.herald.model.Outcome;
import io.herald.model.Receipt;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * A delivery operator's metrics, in Flink's metric system (and so in any reporter, Prometheus
 * included): notifications per second, receipts by outcome and by provider reason, requests in
 * flight, retries, apps stopped for refused credentials, and provider latency.
 */
public final class DeliveryMetrics {
    /** Provider reasons are a short closed list; past this many, the rest are counted as "other". */
    private static final int MAX_REASONS = 64;

    private final MetricGroup group;
    private final Meter sent;
    private final Map<Outcome, Counter> byOutcome = new EnumMap<>(Outcome.class);
    private final Map<String, Counter> byReason = new ConcurrentHashMap<>();
    private final AtomicLong inFlight = new AtomicLong();
    private final Histogram latencyMs;

    public DeliveryMetrics(MetricGroup operator, RetryingSender sender, CredentialStop credentialStop) {
        this.group = operator.addGroup("herald");
        this.sent = group.meter("notificationsPerSecond", new MeterView(60));
        for (Outcome o : Outcome.values()) {
            byOutcome.put(o, group.addGroup("outcome", o.name().toLowerCase()).counter("receipts"));
        }
        group.gauge("requestsInFlight", inFlight::get);
        group.gauge("retries", sender::retries);
        group.gauge("providerRateLimitPerSecond", sender::providerRate);
        group.gauge("appsStoppedForCredentials", credentialStop::appsStopped);
        latencyMs = group.histogram("providerLatencyMs", new DescriptiveStatisticsHistogram(10_000));
    }

    /** A request went out; {@link #latency} marks its answer. */
    public long started() {
        inFlight.incrementAndGet();
        return System.nanoTime();
    }

    /** The answer to a request that went out at {@code startedNanos}: returns its round trip, in nanoseconds. */
    public long latency(long startedNanos) {
        inFlight.decrementAndGet();
        long roundTrip = System.nanoTime() - startedNanos;
        latencyMs.update(TimeUnit.NANOSECONDS.toMillis(roundTrip));
        return roundTrip;
    }

    /**
     * Each send budget's use on this instance, as gauges of group {@code account} (its name as a
     * label): the whole budget, this instance's share of it, its rate now (below the share after a
     * throttle), the slots taken so far (a rate over time is the budget's use) and how many wait for
     * one.
     */
    public void budgets(AccountSlots slots) {
        slots.byAccount().forEach((account, s) -> {
            MetricGroup g = group.addGroup("account", account.metricName());
            double budget = slots.budgets().get(account).perSecond();
            g.gauge("budgetPerSecond", () -> budget);
            g.gauge("sharePerSecond", () -> s.limit().ceiling());
            g.gauge("ratePerSecond", () -> s.limit().rate());
            g.gauge("slotsTaken", s::taken);
            g.gauge("waitingForSlot", s::waiting);
        });
    }

    /** The delivery's window (how many may be in flight now), as a gauge. */
    public void window(IntSupplier window) {
        group.gauge("inFlightWindow", window::getAsInt);
    }

    /** Counts a final receipt and hands it back. */
    public Receipt count(Receipt r) {
        sent.markEvent();
        byOutcome.get(r.outcome).inc();
        if (r.outcome != Outcome.DELIVERED && r.providerStatus != 0) {
            String reason = r.reason == null ? "none" : r.reason;
            if (!byReason.containsKey(reason) && byReason.size() >= MAX_REASONS) {
                reason = "other";
            }
            byReason.computeIfAbsent(reason, k -> group.addGroup("reason", k).counter("receipts"))
                    .inc();
        }
        return r;
    }
}
