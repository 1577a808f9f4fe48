package io.herald.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.job.cli.CampaignWatcher;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * How a campaign to all users went, judged from the providers' side: what each emulator says every
 * device received, against what the synthetic population says it should have. {@code lost} and
 * {@code duplicates} never come from the job's view of itself.
 */
public final class DeliveryReport {
    public final long targeted;
    public final long delivered;
    /** Receipts neither delivered nor unconfirmed: refused, dead tokens, failures, expired, cancelled. */
    public final long failed;
    /** Receipts saying a request was written to its provider and no answer came: most such arrive. */
    public final long unconfirmed;

    public final long suppressed;
    public final long duplicates;
    public final long lost;
    /** Notifications accepted for devices that should not have had one (opted out, say). */
    public final long unexpected;

    public final long elapsedMs;
    public final double ratePerS;
    public final long p50Ms;
    public final long p99Ms;
    /** What each platform's emulator received for the population's devices. */
    public final Map<Platform, Long> receivedPerPlatform;

    private DeliveryReport(
            long targeted,
            long delivered,
            long failed,
            long unconfirmed,
            long suppressed,
            long duplicates,
            long lost,
            long unexpected,
            long elapsedMs,
            long p50Ms,
            long p99Ms,
            Map<Platform, Long> receivedPerPlatform) {
        this.targeted = targeted;
        this.delivered = delivered;
        this.failed = failed;
        this.unconfirmed = unconfirmed;
        this.suppressed = suppressed;
        this.duplicates = duplicates;
        this.lost = lost;
        this.unexpected = unexpected;
        this.elapsedMs = elapsedMs;
        this.ratePerS = elapsedMs > 0 ? (delivered + failed + unconfirmed) * 1000.0 / elapsedMs : 0;
        this.p50Ms = p50Ms;
        this.p99Ms = p99Ms;
        this.receivedPerPlatform = receivedPerPlatform;
    }

    /** Judges a campaign to every user of the sandbox app, fired at {@code firedAt}. */
    public static DeliveryReport of(SyntheticUsers users, Sandbox sandbox, CampaignWatcher watcher, long firedAt) {
        return of(users, sandbox, watcher, firedAt, SyntheticUsers.Device::expectsDelivery);
    }

    /** The same, for a campaign that should reach the devices {@code shouldReceive} takes (an experiment's, say). */
    public static DeliveryReport of(
            SyntheticUsers users,
            Sandbox sandbox,
            CampaignWatcher watcher,
            long firedAt,
            Predicate<SyntheticUsers.Device> shouldReceive) {
        EmulatorCounts counts = EmulatorCounts.of(users, sandbox, 1, shouldReceive);
        long delivered = watcher.outcome(Outcome.DELIVERED.wire());
        long unconfirmed = watcher.outcome(Outcome.UNCONFIRMED.wire());
        Map<Platform, Long> received = new EnumMap<>(Platform.class);
        for (Platform p : Platform.values()) {
            received.put(p, 0L);
        }
        for (SyntheticUsers.Device d : users.devices()) {
            received.merge(d.platform, (long) sandbox.tokens(d.platform).received(d.token), Long::sum);
        }
        return new DeliveryReport(
                watcher.targeted(),
                delivered,
                watcher.distinctReceipts() - delivered - unconfirmed,
                unconfirmed,
                watcher.suppressed(),
                counts.duplicates,
                counts.lost,
                counts.unexpected,
                Math.max(0, watcher.lastAckAt() - firedAt),
                watcher.latencyQuantile(0.50),
                watcher.latencyQuantile(0.99),
                received);
    }

    /** True when every device got exactly what it should have. */
    public boolean exact() {
        return duplicates == 0 && lost == 0 && unexpected == 0;
    }

    /** The report as a human reads it. */
    public String table() {
        return String.format(
                        "%n  %-12s %,12d%n  %-12s %,12d%n  %-12s %,12d%n  %-12s %,12d%n  %-12s %,12d%n"
                                + "  %-12s %,12d%n  %-12s %,12d%n  %-12s %,12d%n  %-12s %,12d ms%n  %-12s %,12.0f /s%n"
                                + "  %-12s %,12d ms%n  %-12s %,12d ms%n",
                        "targeted",
                        targeted,
                        "delivered",
                        delivered,
                        "failed",
                        failed,
                        "unconfirmed",
                        unconfirmed,
                        "suppressed",
                        suppressed,
                        "duplicates",
                        duplicates,
                        "lost",
                        lost,
                        "unexpected",
                        unexpected,
                        "elapsed",
                        elapsedMs,
                        "rate",
                        ratePerS,
                        "p50 latency",
                        p50Ms,
                        "p99 latency",
                        p99Ms)
                + String.format(
                        "  received at the emulators: APNs %,d, FCM %,d, web push %,d%n",
                        receivedPerPlatform.get(Platform.IOS),
                        receivedPerPlatform.get(Platform.ANDROID),
                        receivedPerPlatform.get(Platform.WEB));
    }

    /** The report as one JSON object. */
    public String json() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("targeted", targeted);
        n.put("delivered", delivered);
        n.put("failed", failed);
        n.put("unconfirmed", unconfirmed);
        n.put("suppressed", suppressed);
        n.put("duplicates", duplicates);
        n.put("lost", lost);
        n.put("unexpected", unexpected);
        n.put("elapsed_ms", elapsedMs);
        n.put("rate_per_s", Math.round(ratePerS));
        n.put("p50_ms", p50Ms);
        n.put("p99_ms", p99Ms);
        ObjectNode received = n.putObject("received");
        receivedPerPlatform.forEach((p, count) -> received.put(p.wire(), count));
        return n.toString();
    }
}
