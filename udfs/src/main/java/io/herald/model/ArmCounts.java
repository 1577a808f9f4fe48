package io.herald.model;

/**
 * What was counted of one arm of a campaign (or its holdout, or a campaign without arms): a delta
 * on its way to the campaign's results, or the results' running sum.
 */
public class ArmCounts {
    public String campaignId;
    /** The arm's name; null for the campaign's one message, or its holdout. */
    public String arm;

    public boolean heldOut;
    /** Users sent the campaign (or held out of it). */
    public long exposed;
    /** Notifications delivered. */
    public long delivered;
    /** Users who opened it. */
    public long opened;
    /** Users who converted. */
    public long converted;
    /** Conversion events, all of each user's within the window. */
    public long conversions;
    /** The conversions' values, summed. */
    public double value;

    public ArmCounts() {}

    public static ArmCounts of(String campaignId, String arm, boolean heldOut) {
        ArmCounts c = new ArmCounts();
        c.campaignId = campaignId;
        c.arm = arm;
        c.heldOut = heldOut;
        return c;
    }

    /** Whether {@code other} counts the same arm of the same campaign. */
    public boolean sameArm(ArmCounts other) {
        return campaignId.equals(other.campaignId)
                && heldOut == other.heldOut
                && (arm == null ? other.arm == null : arm.equals(other.arm));
    }

    /** Adds {@code other}'s counts to these. */
    public void add(ArmCounts other) {
        exposed += other.exposed;
        delivered += other.delivered;
        opened += other.opened;
        converted += other.converted;
        conversions += other.conversions;
        value += other.value;
    }
}
