package io.herald.experiment;

import io.herald.model.ArmCounts;
import java.util.ArrayList;
import java.util.List;

/**
 * Which arm of a test wins, from the arms' counts at the decision time: the arm with the best rate
 * (conversions per user exposed, or opens per user sent it for a campaign without a conversion)
 * wins only when every arm has reached {@code minUsers} and the best is better than each other arm
 * at the stated confidence: the two-sided two-proportion z-test ({@link Proportions#pValue}) of it
 * against each, with the Bonferroni correction for the k - 1 comparisons (each p below
 * (1 - confidence) / (k - 1)). Otherwise the stated fallback: an arm, or none (nothing more is
 * sent). The holdout is no arm here: it is never sent, whatever wins.
 *
 * <p>Pure: the same counts give the same decision, so a replay decides the same.
 */
public final class WinnerDecision {
    private WinnerDecision() {}

    /** What a rate counts. */
    public enum Metric {
        CONVERSION,
        OPEN
    }

    /**
     * The decision and its figures.
     *
     * @param winner the arm to send the rest of the audience, or null for none
     * @param decided true when the winner won (significantly better, every arm with enough users);
     *     false when it is the fallback
     * @param reason why, in a sentence
     * @param pValues the best arm's p-value against each other arm, in the arms' order (the best's own
     *     place null); empty when the minimum was not reached
     */
    public record Decision(String winner, boolean decided, String best, String reason, List<Double> pValues) {}

    /**
     * @param arms each arm's counts, holdout excluded, in the campaign's order
     * @param fallback the arm to send when no arm wins, or null for none
     */
    public static Decision decide(
            List<ArmCounts> arms, Metric metric, double confidence, long minUsers, String fallback) {
        if (arms.size() < 2) {
            throw new IllegalArgumentException("arms: a test needs 2 or more, not " + arms.size());
        }
        Proportions.z(confidence); // checks it
        ArmCounts best = null;
        for (ArmCounts a : arms) {
            if (best == null || rate(a, metric) > rate(best, metric)) {
                best = a;
            }
        }
        for (ArmCounts a : arms) {
            if (a.exposed < minUsers) {
                return new Decision(
                        fallback,
                        false,
                        best.arm,
                        "arm " + a.arm + " has " + a.exposed + " users, fewer than the " + minUsers
                                + " the test asks of every arm: the fallback goes",
                        List.of());
            }
        }
        double alpha = (1 - confidence) / (arms.size() - 1);
        List<Double> pValues = new ArrayList<>();
        int notBetter = -1;
        for (int i = 0; i < arms.size(); i++) {
            ArmCounts a = arms.get(i);
            if (a == best) {
                pValues.add(null);
                continue;
            }
            double p = Proportions.pValue(successes(best, metric), best.exposed, successes(a, metric), a.exposed);
            pValues.add(p);
            if (p >= alpha && notBetter < 0) {
                notBetter = i;
            }
        }
        if (notBetter >= 0) {
            return new Decision(
                    fallback,
                    false,
                    best.arm,
                    String.format(
                            "arm %s is best, but not better than arm %s at %.1f%% confidence (p %.4f, needs below %.4f"
                                    + " with %d comparisons): the fallback goes",
                            best.arm,
                            arms.get(notBetter).arm,
                            100 * confidence,
                            pValues.get(notBetter),
                            alpha,
                            arms.size() - 1),
                    pValues);
        }
        return new Decision(
                best.arm,
                true,
                best.arm,
                String.format("arm %s is better than every other arm at %.1f%% confidence", best.arm, 100 * confidence),
                pValues);
    }

    private static long successes(ArmCounts a, Metric metric) {
        return Math.min(a.exposed, metric == Metric.CONVERSION ? a.converted : a.opened);
    }

    private static double rate(ArmCounts a, Metric metric) {
        return a.exposed == 0 ? 0 : (double) successes(a, metric) / a.exposed;
    }
}
