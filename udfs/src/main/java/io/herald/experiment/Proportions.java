package io.herald.experiment;

import org.apache.commons.math3.distribution.NormalDistribution;

/**
 * What an experiment's counts say: a rate's confidence interval, the interval of the difference of
 * two rates, and the p-value of that difference, by named standard methods.
 *
 * <ul>
 *   <li>A rate: the Wilson score interval (Wilson 1927), good at small counts and rates near 0 or 1,
 *       where the textbook normal interval fails.
 *   <li>The difference of two independent rates (an arm's lift over the holdout, or one arm's over
 *       another): Newcombe's hybrid score interval, method 10 of Newcombe (1998), built from the two
 *       Wilson intervals.
 *   <li>Its p-value: the two-sided two-proportion z-test with the pooled rate.
 * </ul>
 *
 * <p>The normal distribution is Apache Commons Math's; the formulas are short and written here.
 */
public final class Proportions {
    private static final NormalDistribution NORMAL = new NormalDistribution(null, 0, 1);

    private Proportions() {}

    /** An interval [low, high]. */
    public record Interval(double low, double high) {}

    /** The two-sided normal quantile of {@code confidence} (0.95 → 1.95996…). */
    public static double z(double confidence) {
        if (!(confidence > 0 && confidence < 1)) {
            throw new IllegalArgumentException("confidence: between 0 and 1, not " + confidence);
        }
        return NORMAL.inverseCumulativeProbability(1 - (1 - confidence) / 2);
    }

    /** The Wilson score interval of {@code successes} in {@code trials}; null without trials. */
    public static Interval wilson(long successes, long trials, double confidence) {
        check(successes, trials);
        if (trials == 0) {
            return null;
        }
        double z = z(confidence);
        double n = trials;
        double p = successes / n;
        double denominator = 1 + z * z / n;
        double centre = (p + z * z / (2 * n)) / denominator;
        double half = z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator;
        return new Interval(Math.max(0, centre - half), Math.min(1, centre + half));
    }

    /**
     * Newcombe's hybrid score interval (method 10) of the difference {@code x1/n1 - x2/n2}; null
     * when either has no trials.
     */
    public static Interval difference(long x1, long n1, long x2, long n2, double confidence) {
        Interval w1 = wilson(x1, n1, confidence);
        Interval w2 = wilson(x2, n2, confidence);
        if (w1 == null || w2 == null) {
            return null;
        }
        double p1 = (double) x1 / n1;
        double p2 = (double) x2 / n2;
        double d = p1 - p2;
        double low = d - Math.sqrt(square(p1 - w1.low()) + square(w2.high() - p2));
        double high = d + Math.sqrt(square(w1.high() - p1) + square(p2 - w2.low()));
        return new Interval(low, high);
    }

    /**
     * The two-sided p-value of the two-proportion z-test of {@code x1/n1} against {@code x2/n2},
     * with the pooled rate; null when either has no trials. Two rates of 0 (or of 1) differ by
     * nothing: 1.
     */
    public static Double pValue(long x1, long n1, long x2, long n2) {
        check(x1, n1);
        check(x2, n2);
        if (n1 == 0 || n2 == 0) {
            return null;
        }
        double pooled = (double) (x1 + x2) / (n1 + n2);
        double se = Math.sqrt(pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2));
        if (se == 0) {
            return 1.0;
        }
        double z = ((double) x1 / n1 - (double) x2 / n2) / se;
        return 2 * NORMAL.cumulativeProbability(-Math.abs(z));
    }

    private static void check(long successes, long trials) {
        if (trials < 0 || successes < 0 || successes > trials) {
            throw new IllegalArgumentException(
                    "successes and trials: 0 <= successes <= trials, not " + successes + " of " + trials);
        }
    }

    private static double square(double x) {
        return x * x;
    }
}
