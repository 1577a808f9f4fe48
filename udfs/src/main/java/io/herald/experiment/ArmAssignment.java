package io.herald.experiment;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * Which arm of a campaign a user is in, or whether the user is held out: a pure function of the
 * campaign's id, the user's id, the arms' weights and the holdout share, so it is the same for all of
 * a user's devices, on every instance, and after a crash, a rescale, a replay or a retry.
 *
 * <p>The user's point {@code u} in [0, 1) is the first 8 bytes of SHA-256 over the UTF-8 of
 * {@code campaignId + "\n" + userId}, read as an unsigned big-endian integer, its top 53 bits divided
 * by 2<sup>53</sup>. A user with {@code u < holdout} is held out; the others are spread over the
 * arms by weight: arm {@code i} takes the users whose {@code (u - holdout) / (1 - holdout)} falls in
 * its share of the cumulative weights. SHA-256 because anyone can compute the same split elsewhere
 * (an analyst's SQL or Python) and it never changes between versions; the hash is the JDK's.
 *
 * <p>Immutable; {@link #armOf} may be called from any thread.
 */
public final class ArmAssignment {
    /** What {@link #armOf} returns for a user held out (sent nothing, measured against). */
    public static final int HOLDOUT = -1;

    /** The fewest and most arms a campaign may have. */
    public static final int MIN_ARMS = 2;

    public static final int MAX_ARMS = 10;

    /** The largest holdout share. */
    public static final double MAX_HOLDOUT = 0.5;

    private final String campaignId;
    private final double holdout;
    /** Upper bounds of each arm's share of [0, 1), cumulative; the last is 1. */
    private final double[] upTo;

    private ArmAssignment(String campaignId, double holdout, double[] upTo) {
        this.campaignId = campaignId;
        this.holdout = holdout;
        this.upTo = upTo;
    }

    /**
     * @param weights each arm's weight, a positive whole number, in the arms' order
     * @param holdout the share of users held out, from 0 to {@link #MAX_HOLDOUT}
     * @throws IllegalArgumentException naming what is wrong
     */
    public static ArmAssignment of(String campaignId, List<Integer> weights, double holdout) {
        check(campaignId, holdout);
        if (weights == null || weights.size() < MIN_ARMS || weights.size() > MAX_ARMS) {
            throw new IllegalArgumentException(
                    "arms: " + MIN_ARMS + " to " + MAX_ARMS + " arms, not " + (weights == null ? 0 : weights.size()));
        }
        long total = 0;
        for (int i = 0; i < weights.size(); i++) {
            Integer w = weights.get(i);
            if (w == null || w < 1) {
                throw new IllegalArgumentException("arms[" + i + "].weight: a whole number of at least 1, not " + w);
            }
            total += w;
        }
        double[] upTo = new double[weights.size()];
        long sum = 0;
        for (int i = 0; i < upTo.length; i++) {
            sum += weights.get(i);
            upTo[i] = (double) sum / total;
        }
        upTo[upTo.length - 1] = 1.0;
        return new ArmAssignment(campaignId, holdout, upTo);
    }

    /**
     * A campaign with one message and a holdout: {@link #armOf} is 0 (the message) or
     * {@link #HOLDOUT}, the users held out the same as they would be with arms.
     *
     * @param holdout the share of users held out, from 0 to {@link #MAX_HOLDOUT}
     */
    public static ArmAssignment holdoutOnly(String campaignId, double holdout) {
        check(campaignId, holdout);
        return new ArmAssignment(campaignId, holdout, new double[] {1.0});
    }

    private static void check(String campaignId, double holdout) {
        if (campaignId == null || campaignId.isEmpty()) {
            throw new IllegalArgumentException("campaignId: required");
        }
        if (!(holdout >= 0 && holdout <= MAX_HOLDOUT)) {
            throw new IllegalArgumentException("holdout: a share from 0 to " + MAX_HOLDOUT + ", not " + holdout);
        }
    }

    /** The user's arm (its index in the campaign's arms), or {@link #HOLDOUT}. */
    public int armOf(String userId) {
        double u = point(campaignId, userId);
        if (u < holdout) {
            return HOLDOUT;
        }
        double within = (u - holdout) / (1 - holdout);
        for (int i = 0; i < upTo.length - 1; i++) {
            if (within < upTo[i]) {
                return i;
            }
        }
        return upTo.length - 1;
    }

    public int arms() {
        return upTo.length;
    }

    public double holdout() {
        return holdout;
    }

    /**
     * Whether a user is in a campaign's test of its arms, which takes a {@code share} of the users:
     * the same point as {@link #armOf}'s but of {@code "test\n" + campaignId}, so the test's users are
     * a share of every arm and of the holdout, apart from who is in which.
     */
    public static boolean inTest(String campaignId, String userId, double share) {
        return point("test\n" + campaignId, userId) < share;
    }

    /** The user's point in [0, 1) for the campaign (see the class's description). */
    static double point(String campaignId, String userId) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        byte[] h = sha256.digest((campaignId + "\n" + userId).getBytes(StandardCharsets.UTF_8));
        long first = 0;
        for (int i = 0; i < 8; i++) {
            first = (first << 8) | (h[i] & 0xff);
        }
        return (first >>> 11) * 0x1.0p-53;
    }
}
