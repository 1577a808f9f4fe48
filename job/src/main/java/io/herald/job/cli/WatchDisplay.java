package io.herald.job.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.campaign.CampaignLife;
import io.herald.model.Outcome;
import io.herald.model.StatusKind;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * What {@code campaign watch}, {@code fire} and {@code status} print about one campaign: a live
 * progress bar (handed out of targeted, with delivered, failed, rate and ETA), then the outcome and
 * reason breakdown; and the exit code its state calls for.
 */
public final class WatchDisplay {
    private final CampaignWatcher watcher;
    private final String campaignId;
    private final PrintWriter out;

    public WatchDisplay(CampaignWatcher watcher, String campaignId, PrintWriter out) {
        this.watcher = watcher;
        this.campaignId = campaignId;
        this.out = out;
    }

    /** Follows the campaign until it is done, rejected or cancelled, or {@code timeout} passes; then {@link #summary}. */
    int follow(Duration timeout) throws Exception {
        try (ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(campaignId)
                .setStyle(ProgressBarStyle.ASCII)
                .setInitialMax(-1)
                .setUpdateIntervalMillis(500)
                .showSpeed()
                .setMaxRenderedLength(120)
                .setConsumer(new DelegatingProgressBarConsumer(
                        line -> {
                            out.print('\r' + line);
                            out.flush();
                        },
                        120))
                .build()) {
            watcher.awaitUntil(
                    timeout,
                    () -> {
                        Long expected = watcher.expectedTargeted();
                        if (expected != null) {
                            bar.maxHint(expected);
                        }
                        bar.stepTo(watcher.handedOut());
                        ReceiptCounts c = watcher.counts();
                        long delivered = c.outcome(Outcome.DELIVERED.wire());
                        long unconfirmed = c.outcome(Outcome.UNCONFIRMED.wire());
                        bar.setExtraMessage(String.format(
                                        " delivered %,d failed %,d", delivered, c.receipts() - delivered - unconfirmed)
                                + (unconfirmed > 0 ? String.format(" unconfirmed %,d", unconfirmed) : ""));
                    },
                    () -> watcher.isDone() || watcher.state() == CampaignLife.State.CANCELLED);
            if (watcher.isDone()) {
                bar.maxHint(watcher.targeted());
                bar.stepTo(watcher.handedOut());
            }
        }
        out.println();
        return summary();
    }

    /** Prints where the campaign stands and its outcomes; returns 0 done, 1 rejected or cancelled, 3 otherwise. */
    int summary() {
        String rejection = watcher.rejection();
        CampaignLife.State state = watcher.state();
        ReceiptCounts counts = watcher.counts();
        if (rejection != null) {
            out.println(campaignId + ": rejected: " + rejection);
            return CampaignCommand.REFUSED_BY_JOB;
        }
        if (state == null && counts.receipts() == 0) {
            out.println(campaignId + ": no record of it in the time read (--since)");
            return CampaignCommand.NOT_YET;
        }
        String said = state == null
                ? "under way"
                : switch (state) {
                    case CREATED -> "created, not fired";
                    case FIRED, WALKING -> watcher.fanOutComplete() ? "fanned out, receipts coming in" : "under way";
                    case DONE -> watcher.isDone() ? "done" : "fanned out, receipts coming in";
                    case CANCELLED -> "cancelled";
                };
        out.println("Campaign " + campaignId + ": " + said);
        Long targeted = watcher.expectedTargeted();
        row("targeted", targeted == null ? 0 : targeted, watcher.fanOutComplete() ? "" : " (so far, extrapolated)");
        row("suppressed", watcher.suppressed(), "");
        row("handed out", watcher.handedOut(), "");
        row("receipts", counts.notifications(), "");
        counts.byOutcome().forEach((outcome, n) -> row("  " + outcome, n, ""));
        counts.failures().forEach((reason, n) -> row("    " + reason, n, ""));
        if (counts.outcome(Outcome.UNCONFIRMED.wire()) > 0) {
            out.println("  unconfirmed: written to the provider, then no answer (most arrive); a retry sends them "
                    + "again only if it names unconfirmed");
        }
        if (!counts.latencyMs().isEmpty()) {
            out.printf(
                    "  fire to ack: p50 %,d ms, p99 %,d ms%n",
                    counts.latencyMs().get("p50"), counts.latencyMs().get("p99"));
        }
        results();
        if (state == CampaignLife.State.CANCELLED) {
            return CampaignCommand.REFUSED_BY_JOB;
        }
        return watcher.isDone() ? CampaignCommand.OK : CampaignCommand.NOT_YET;
    }

    /** A measured campaign's latest results, an arm a line, side by side (nothing for other campaigns). */
    public void results() {
        List<JsonNode> results = watcher.statuses(StatusKind.RESULTS);
        if (results.isEmpty()) {
            return;
        }
        JsonNode last = results.get(results.size() - 1);
        int confidence = (int) Math.round(100 * last.path("confidence").asDouble(0.95));
        out.printf(
                "Results (%d%% intervals; conversion per user, lift over the holdout):%n  %-16s %10s %10s %9s %9s %-22s %-22s %s%n",
                confidence,
                "arm",
                "users",
                "delivered",
                "opened",
                "converted",
                "open rate",
                "conversion rate",
                "lift (p)");
        for (JsonNode r : last.path("results")) {
            String arm = armName(r);
            out.printf(
                    "  %-16s %,10d %,10d %,9d %,9d %-22s %-22s %s%n",
                    arm,
                    r.path("users").asLong(),
                    r.path("delivered").asLong(),
                    r.path("opened").asLong(),
                    r.path("converted").asLong(),
                    rate(r, "openRate"),
                    rate(r, "conversionRate"),
                    lift(r));
        }
        List<JsonNode> decisions = watcher.statuses(StatusKind.DECIDED);
        if (!decisions.isEmpty()) {
            JsonNode d = decisions.get(decisions.size() - 1);
            out.printf(
                    "Test decided: %s (%s)%n",
                    d.hasNonNull("winner")
                            ? "arm " + d.path("winner").asText() + " to the rest"
                            : "nothing to the rest",
                    d.path("reason").asText());
        }
        out.flush();
    }

    /** A results row's arm as people read it: its name, "holdout", or "(all)" for a campaign without arms. */
    public static String armName(JsonNode row) {
        return row.path("holdout").asBoolean() ? "holdout" : row.path("arm").asText("(all)");
    }

    /** A results row's lift over the holdout, its interval and p-value, in points; empty without one. */
    public static String lift(JsonNode row) {
        return row.has("lift")
                ? String.format(
                        "%+.2f%% [%+.2f, %+.2f] (p %.3f)",
                        100 * row.path("lift").asDouble(),
                        100 * row.path("liftLow").asDouble(),
                        100 * row.path("liftHigh").asDouble(),
                        row.path("liftPValue").asDouble())
                : "";
    }

    /** A results row's rate and its interval in percent, or a dash. */
    public static String rate(JsonNode row, String name) {
        if (!row.has(name)) {
            return "-";
        }
        return String.format(
                "%.2f%% [%.2f, %.2f]",
                100 * row.path(name).asDouble(),
                100 * row.path(name + "Low").asDouble(),
                100 * row.path(name + "High").asDouble());
    }

    private void row(String name, long value, String note) {
        out.printf("  %-36s %,12d%s%n", name, value, note);
        out.flush();
    }
}
