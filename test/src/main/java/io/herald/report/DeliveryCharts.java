package io.herald.report;

import io.herald.sandbox.Sandbox;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The charts every report of a campaign has, from what the emulators received and the receipts. */
public final class DeliveryCharts {
    private DeliveryCharts() {}

    /**
     * Notifications per second at each emulator over the campaign, from counts per {@code bucketMs}
     * after the fire: in tenths of a second for a campaign under a minute, in seconds for a longer one.
     */
    public static String ratePerProvider(Map<String, long[]> perProvider, int bucketMs) {
        long span = (long) perProvider.values().stream()
                        .mapToInt(c -> c.length)
                        .max()
                        .orElse(0)
                * bucketMs;
        int factor = Math.max(1, (span <= 60_000 ? 100 : 1000) / bucketMs);
        double seconds = bucketMs * factor / 1000.0;
        List<Svg.Series> series = new ArrayList<>();
        perProvider.forEach((provider, counts) ->
                series.add(new Svg.Series(provider, perSecond(rebin(counts, factor), seconds))));
        return Svg.lines(series, seconds, "seconds after the fire", "notifications per second");
    }

    /** {@link #ratePerProvider(Map, int)} from each emulator's arrival times. */
    public static String ratePerProvider(Sandbox.Arrivals arrivals) {
        Map<String, long[]> perProvider = new LinkedHashMap<>();
        perProvider.put("APNs", arrivals.apns().perBucket(100));
        perProvider.put("FCM", arrivals.fcm().perBucket(100));
        perProvider.put("Web push", arrivals.web().perBucket(100));
        return ratePerProvider(perProvider, 100);
    }

    /**
     * Fire-to-ack times as a histogram of about a hundred bars, with p50 and p99 marked, from counts
     * per {@code bucketMs}.
     */
    public static String fireToAck(long[] counts, int bucketMs, long p50Ms, long p99Ms) {
        int factor = (int) Math.max(1, Svg.niceCeiling(counts.length / 100.0));
        Map<String, Double> markers = new LinkedHashMap<>();
        markers.put("p50", (double) p50Ms);
        markers.put("p99", (double) p99Ms);
        return Svg.histogram(
                rebin(counts, factor),
                (double) bucketMs * factor,
                "milliseconds from the fire to the ack",
                "notifications",
                markers);
    }

    /** Sums of {@code factor} buckets at a time. */
    static long[] rebin(long[] counts, int factor) {
        long[] wider = new long[(counts.length + factor - 1) / factor];
        for (int i = 0; i < counts.length; i++) {
            wider[i / factor] += counts[i];
        }
        return wider;
    }

    private static double[] perSecond(long[] counts, double bucketSeconds) {
        double[] rates = new double[counts.length];
        for (int i = 0; i < counts.length; i++) {
            rates[i] = counts[i] / bucketSeconds;
        }
        return rates;
    }
}
