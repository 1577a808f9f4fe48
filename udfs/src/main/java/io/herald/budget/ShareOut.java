package io.herald.budget;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Divides one budget between the instances that spend it, by what each asks for (max-min fairness,
 * "water-filling"), so that an instance with little to send lends the rest to those with more:
 *
 * <ol>
 *   <li>Every instance keeps a floor, {@link #RESERVE} of the budget split evenly, so that one that
 *       starts sending does so at once, while it asks for more.
 *   <li>An instance that was not kept waiting is given what it sent, with {@link #HEADROOM} to grow
 *       (it asks again a quarter of a second later), or an even part of the rest if that is less.
 *   <li>Instances that were kept waiting share what is left evenly; if none waited, what is left is
 *       split evenly between all, so the whole budget is always handed out.
 * </ol>
 *
 * The shares never add up to more than the budget.
 */
public final class ShareOut {
    /** The part of a budget every instance keeps a floor of, whatever it asks. */
    public static final double RESERVE = 0.05;
    /** How much more than it sent an instance that did not wait is given. */
    public static final double HEADROOM = 1.25;

    private ShareOut() {}

    /** Each instance's share of {@code budget} per second, in the order of {@code demands}. */
    public static double[] divide(double budget, Demand[] demands) {
        int n = demands.length;
        double[] shares = new double[n];
        if (n == 0) {
            return shares;
        }
        double floor = budget * RESERVE / n;
        Arrays.fill(shares, floor);
        double rest = budget - floor * n;
        // Wants beyond the floor, smallest first; one that waited wants without end.
        Integer[] order = new Integer[n];
        double[] wants = new double[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
            wants[i] = demands[i].waiting()
                    ? Double.POSITIVE_INFINITY
                    : Math.max(0, demands[i].sentPerSecond() * HEADROOM - floor);
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> wants[i]));
        boolean anyWaiting = false;
        for (int k = 0; k < n; k++) {
            int i = order[k];
            double even = rest / (n - k);
            double given = Math.min(wants[i], even);
            anyWaiting |= Double.isInfinite(wants[i]);
            shares[i] += given;
            rest -= given;
        }
        if (!anyWaiting && rest > 0) {
            for (int i = 0; i < n; i++) {
                shares[i] += rest / n;
            }
        }
        return shares;
    }
}
