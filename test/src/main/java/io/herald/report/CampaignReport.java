package io.herald.report;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.cli.WatchDisplay;
import io.herald.model.StatusKind;
import io.herald.sandbox.DeliveryReport;
import io.herald.sandbox.Sandbox;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report of one demo campaign: the summary, delivery rate per provider, fire-to-ack times,
 * outcomes and reasons, and for an experiment its arms side by side.
 */
public final class CampaignReport {
    private CampaignReport() {}

    /** @param arrivals what each emulator received, from the fire on */
    public static ReportPage page(
            String campaignId, DeliveryReport report, CampaignWatcher watcher, Sandbox.Arrivals arrivals) {
        ReportPage page = new ReportPage("Herald: campaign " + campaignId);
        page.paragraph("Lost, duplicated and unexpected notifications are counted from what the emulators received, "
                + "device by device; outcomes and fire-to-ack times come from the job's receipts.");
        page.table(
                List.of("measure", "value"),
                List.of(
                        List.of("devices targeted", fmt(report.targeted)),
                        List.of("delivered", fmt(report.delivered)),
                        List.of("failed", fmt(report.failed)),
                        List.of("unconfirmed (written to the provider, no answer)", fmt(report.unconfirmed)),
                        List.of("suppressed (opted out, uninstalled, dead token)", fmt(report.suppressed)),
                        List.of(
                                "duplicates / lost / unexpected (emulators)",
                                fmt(report.duplicates) + " / " + fmt(report.lost) + " / " + fmt(report.unexpected)),
                        List.of("fire to last ack", fmt(report.elapsedMs) + " ms"),
                        List.of("rate", fmt(Math.round(report.ratePerS)) + " /s"),
                        List.of("fire to ack, p50 / p99", fmt(report.p50Ms) + " / " + fmt(report.p99Ms) + " ms")));
        page.heading("Delivery rate per provider");
        page.chart(
                "Notifications each emulator accepted per second, after the fire.",
                DeliveryCharts.ratePerProvider(arrivals));
        page.heading("Fire to ack");
        page.chart(
                "Receipts by the time from the fire record to the provider's answer.",
                DeliveryCharts.fireToAck(watcher.latencyHistogram(1), 1, report.p50Ms, report.p99Ms));
        page.heading("Outcomes and reasons");
        page.chart("Receipts by outcome.", Svg.bars(largestFirst(watcher.outcomes())));
        if (!watcher.failureReasons().isEmpty()) {
            page.chart(
                    "Receipts other than delivered, by platform and the provider's reason.",
                    Svg.bars(largestFirst(watcher.failureReasons())));
        }
        arms(page, watcher);
        return page;
    }

    /** A measured campaign's arms side by side, from its latest results record; nothing for other campaigns. */
    private static void arms(ReportPage page, CampaignWatcher watcher) {
        List<JsonNode> results = watcher.statuses(StatusKind.RESULTS);
        if (results.isEmpty()) {
            return;
        }
        JsonNode last = results.get(results.size() - 1);
        page.heading("Arms");
        page.paragraph("The job's results record: users exposed (held-out users at the fire), opens and conversions"
                + " the app reported, counted once per user; rates with 95% Wilson intervals, lift over the holdout"
                + " with Newcombe's interval and the two-proportion z-test's p-value.");
        List<List<String>> rows = new ArrayList<>();
        Map<String, Long> perThousand = new LinkedHashMap<>();
        for (JsonNode r : last.path("results")) {
            String arm = WatchDisplay.armName(r);
            rows.add(List.of(
                    arm,
                    fmt(r.path("users").asLong()),
                    fmt(r.path("delivered").asLong()),
                    fmt(r.path("opened").asLong()),
                    fmt(r.path("converted").asLong()),
                    WatchDisplay.rate(r, "openRate"),
                    WatchDisplay.rate(r, "conversionRate"),
                    WatchDisplay.lift(r)));
            perThousand.put(arm, Math.round(1000 * r.path("conversionRate").asDouble()));
        }
        page.table(
                List.of("arm", "users", "delivered", "opened", "converted", "open rate", "conversion rate", "lift"),
                rows);
        page.chart("Conversions per 1,000 users, by arm.", Svg.bars(perThousand));
    }

    static Map<String, Long> largestFirst(Map<String, Long> counts) {
        Map<String, Long> sorted = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    static String fmt(long v) {
        return String.format("%,d", v);
    }
}
