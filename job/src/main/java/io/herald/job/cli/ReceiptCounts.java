package io.herald.job.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A campaign's receipts as counted so far: by the job (its latest {@code receipts} record, what
 * {@code campaign status} and {@code watch} read) or from the receipts themselves (a watcher that
 * reads them, as tests do).
 *
 * @param notifications notifications with a receipt: from the receipts read, distinct ids; from the
 *     job's totals, its receipts (each notification handed out gets one; a retry's is one more)
 * @param receipts receipts, all of them
 * @param byOutcome receipts by outcome (its wire name)
 * @param failures receipts other than delivered, by platform and reason
 * @param latencyMs fire-to-ack latency at p50, p90, p99 and max; empty with no receipts
 */
public record ReceiptCounts(
        long notifications,
        long receipts,
        Map<String, Long> byOutcome,
        Map<String, Long> failures,
        Map<String, Long> latencyMs) {
    /** No receipts yet. */
    public static final ReceiptCounts NONE = new ReceiptCounts(0, 0, Map.of(), Map.of(), Map.of());

    public ReceiptCounts {
        byOutcome = Collections.unmodifiableMap(new TreeMap<>(byOutcome));
        failures = Collections.unmodifiableMap(new TreeMap<>(failures));
        latencyMs = Collections.unmodifiableMap(latencyMs);
    }

    /** The job's count, from a {@code receipts} record of the campaign-status topic. */
    static ReceiptCounts ofTotals(JsonNode record) {
        long receipts = record.path("receipts").asLong();
        return new ReceiptCounts(
                receipts,
                receipts,
                longs(record.path("byOutcome")),
                longs(record.path("failures")),
                longs(record.path("latencyMs")));
    }

    /** An object of numbers, in the order written. */
    private static Map<String, Long> longs(JsonNode object) {
        Map<String, Long> m = new LinkedHashMap<>();
        object.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asLong()));
        return m;
    }

    /**
     * What came after {@code earlier} (an earlier count of the same campaign): each count less its
     * earlier value. The latency quantiles stay this count's, of every receipt.
     */
    public ReceiptCounts since(ReceiptCounts earlier) {
        return new ReceiptCounts(
                notifications - earlier.notifications,
                receipts - earlier.receipts,
                less(byOutcome, earlier.byOutcome),
                less(failures, earlier.failures),
                latencyMs);
    }

    private static Map<String, Long> less(Map<String, Long> now, Map<String, Long> earlier) {
        Map<String, Long> m = new LinkedHashMap<>();
        now.forEach((k, v) -> {
            long n = v - earlier.getOrDefault(k, 0L);
            if (n != 0) {
                m.put(k, n);
            }
        });
        return m;
    }

    /** Receipts with {@code outcome} (its wire name). */
    public long outcome(String outcome) {
        return byOutcome.getOrDefault(outcome, 0L);
    }
}
