package io.herald.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One arm's results, as the {@code results} record on {@code campaign-status} has them: its counts,
 * its rates with their confidence intervals, and its lift over the holdout.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ArmResult {
    /** The arm's name; absent for a campaign without arms and for the holdout. */
    public String arm;
    /** True for the holdout's row. */
    public Boolean holdout;

    public long users;
    public long delivered;
    public long opened;
    public long converted;
    public long conversions;
    public double value;
    /** Opened users per user sent it, and its interval; absent for the holdout and without users. */
    public Double openRate;

    public Double openRateLow;
    public Double openRateHigh;
    /** Converted users per user exposed, and its interval; absent without users. */
    public Double conversionRate;

    public Double conversionRateLow;
    public Double conversionRateHigh;
    /**
     * The conversion rate less the holdout's, its interval and the two-sided p-value of the
     * difference; absent for the holdout's row, and without a holdout with users.
     */
    public Double lift;

    public Double liftLow;
    public Double liftHigh;
    public Double liftPValue;

    public ArmResult() {}
}
