package io.herald.cli;

import io.herald.report.DeliveryCharts;
import io.herald.report.ReportPage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoublePredicate;

/** The bench's HTML report: the goals and where each stands, then each end-to-end run's charts. */
final class BenchReport {
    private BenchReport() {}

    /**
     * @param json the bench's results, as its last line prints them
     * @param runs the end-to-end runs, smallest first
     */
    static ReportPage page(Map<String, Object> json, Iterable<EndToEndBench.Result> runs, String machine) {
        ReportPage page = new ReportPage("Herald benchmark");
        page.paragraph(machine);
        page.heading("Goals");
        List<List<String>> goals = new ArrayList<>();
        goals.add(goal(
                "end to end at " + number(json.get("e2e_devices")) + " devices, share of the limit",
                json.get("ratio_to_limit"),
                "≥ 0.7",
                v -> v >= 0.7,
                "%.2f"));
        goals.add(goal(
                "job CPU per notification", json.get("cpu_us_per_notification"), "≤ 25 µs", v -> v <= 25, "%.1f µs"));
        goals.add(goal(
                "estimate over the bench's users",
                json.get("estimate_users_per_s"),
                "≥ 1,000,000 users/s",
                v -> v >= 1_000_000,
                "%,.0f users/s"));
        Object largest = null;
        String largestDevices = null;
        if (json.get("scale_fire_to_last_ack_ms") instanceof Map<?, ?> scale && !scale.isEmpty()) {
            for (Map.Entry<?, ?> e : scale.entrySet()) {
                largestDevices = String.valueOf(e.getKey());
                largest = e.getValue();
            }
        }
        boolean bigEnough = largestDevices != null && Long.parseLong(largestDevices) >= 4_600_000;
        goals.add(goal(
                "fire to last ack at " + (bigEnough ? number(Long.parseLong(largestDevices)) : "4,600,000")
                        + " devices",
                bigEnough ? largest : null,
                "≤ 100,000 ms",
                v -> v <= 100_000,
                "%,.0f ms"));
        goals.add(goal("RocksDB bytes per device", json.get("bytes_per_device"), "≤ 150", v -> v <= 150, "%.0f"));
        goals.add(goal(
                "fire to first notification, median",
                json.get("fire_to_first_notification_ms"),
                "≤ 100 ms",
                v -> v <= 100,
                "%.0f ms"));
        goals.add(goal("crash mid-campaign: lost", json.get("crash_lost"), "0", v -> v == 0, "%.0f"));
        goals.add(goal(
                "crash mid-campaign: duplicates", json.get("crash_duplicates"), "≤ 2,000", v -> v <= 2000, "%.0f"));
        page.table(List.of("goal", "measured", "target", ""), goals);
        page.table(
                List.of("limit", "notifications per second"),
                List.of(
                        List.of("Pushy alone to the APNs emulator", number(json.get("limit_apns_per_s"))),
                        List.of("Herald's FCM client alone to the FCM emulator", number(json.get("limit_fcm_per_s"))),
                        List.of("the campaign's mix, each client alone in turn", number(json.get("limit_mix_per_s")))));
        for (EndToEndBench.Result r : runs) {
            page.heading(String.format(Locale.ROOT, "End to end, %,d devices", r.devices));
            page.paragraph(String.format(
                    Locale.ROOT,
                    "%,d delivered in %,d ms (%,.0f/s); fire to ack p50 %,d ms, p99 %,d ms; "
                            + "job CPU %.1f µs and peer CPU %.1f µs per notification.",
                    r.delivered,
                    r.fireToLastAckMs,
                    r.perSecond(),
                    r.p50Ms,
                    r.p99Ms,
                    r.cpuMicrosPerNotification(),
                    r.peerCpuMicrosPerNotification()));
            if (r.arrivalsPer100Ms != null) {
                long[] apns = r.arrivalsPer100Ms[0];
                long[] fcm = r.arrivalsPer100Ms[1];
                page.chart(
                        "Notifications each emulator accepted per second, after the fire.",
                        DeliveryCharts.ratePerProvider(perProvider(apns, fcm), 100));
                long[] both = new long[Math.max(apns.length, fcm.length)];
                for (int i = 0; i < both.length; i++) {
                    both[i] = (i < apns.length ? apns[i] : 0) + (i < fcm.length ? fcm[i] : 0);
                }
                page.chart(
                        "Notifications by the time from the fire to the emulator's acceptance (both providers).",
                        DeliveryCharts.fireToAck(both, 100, r.p50Ms, r.p99Ms));
            }
        }
        return page;
    }

    private static List<String> goal(String name, Object measured, String target, DoublePredicate met, String format) {
        if (!(measured instanceof Number n)) {
            return List.of(name, "not measured in this run", target, "");
        }
        return List.of(
                name,
                String.format(Locale.ROOT, format, n.doubleValue()),
                target,
                met.test(n.doubleValue()) ? "met" : "not met");
    }

    private static String number(Object value) {
        return value instanceof Number n ? String.format(Locale.ROOT, "%,d", n.longValue()) : "?";
    }

    /** The bench's two providers' arrivals, in the chart's order (its populations are phones only). */
    private static Map<String, long[]> perProvider(long[] apns, long[] fcm) {
        Map<String, long[]> m = new LinkedHashMap<>();
        m.put("APNs", apns);
        m.put("FCM", fcm);
        return m;
    }
}
