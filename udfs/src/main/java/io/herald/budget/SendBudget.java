package io.herald.budget;

import java.io.Serializable;
import java.util.Objects;

/** The most notifications per second an account takes, from all the job's instances together. */
public final class SendBudget implements Serializable {
    private static final long serialVersionUID = 1L;

    private final BudgetAccount account;
    private final double perSecond;

    public SendBudget(BudgetAccount account, double perSecond) {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException(account + ": a budget needs a finite rate above zero, not " + perSecond);
        }
        this.account = Objects.requireNonNull(account, "account");
        this.perSecond = perSecond;
    }

    public BudgetAccount account() {
        return account;
    }

    public double perSecond() {
        return perSecond;
    }

    /** Each of {@code instances}' share before anyone has said what it needs: an even split. */
    public double evenShare(int instances) {
        return perSecond / instances;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SendBudget b && b.account.equals(account) && b.perSecond == perSecond;
    }

    @Override
    public int hashCode() {
        return account.hashCode() * 31 + Double.hashCode(perSecond);
    }

    @Override
    public String toString() {
        return account + " at " + perSecond + "/s";
    }
}
