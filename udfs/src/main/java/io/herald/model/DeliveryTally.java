package io.herald.model;

import java.util.HashMap;
import java.util.Map;

/**
 * What was counted of one campaign's receipts: a delta on its way from a delivery to the campaign's
 * totals, or the totals' running sum.
 */
public class DeliveryTally {
    /** Reasons kept per campaign; more are counted under {@link #OTHER_REASONS}. */
    public static final int MAX_REASONS = 50;
    /** Where the reasons past {@link #MAX_REASONS} are counted. */
    public static final String OTHER_REASONS = "other reasons";

    public String campaignId;
    /** Receipts by outcome (its wire name). */
    public Map<String, Long> byOutcome = new HashMap<>();
    /** Receipts other than delivered, by platform and reason ("ios BadDeviceToken"). */
    public Map<String, Long> failures = new HashMap<>();
    /** Fire-to-ack latencies in ms: an HdrHistogram in its compressed encoding, or null for none. */
    public byte[] latencies;

    public DeliveryTally() {}

    /** Counts {@code n} more under {@code reason}, or under {@link #OTHER_REASONS} once there are enough. */
    public static void countReason(Map<String, Long> failures, String reason, long n) {
        String key = failures.containsKey(reason) || failures.size() < MAX_REASONS ? reason : OTHER_REASONS;
        failures.merge(key, n, Long::sum);
    }
}
