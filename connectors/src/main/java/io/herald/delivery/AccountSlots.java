package io.herald.delivery;

import io.herald.budget.BudgetAccount;
import io.herald.budget.Demand;
import io.herald.budget.SendBudget;
import io.netty.util.concurrent.EventExecutorGroup;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One delivery instance's {@link RateSlots}, one per budgeted account its apps send through (an FCM
 * project's apps share one), and one for the apps without a budget (no ceiling until the provider
 * throttles). Each budgeted account starts at an even share of its budget; the budget's coordinator
 * then moves the share by what each instance asks ({@link #demands}, {@link #share}).
 */
public final class AccountSlots {
    private final Map<String, RateSlots> byApp = new HashMap<>();
    private final Map<BudgetAccount, RateSlots> byAccount = new LinkedHashMap<>();
    private final Map<BudgetAccount, SendBudget> budgets = new LinkedHashMap<>();
    private final RateSlots unbudgeted;

    /**
     * @param budgets each budgeted app's budget, by app id
     * @param instances the parallel instances sharing each budget
     * @param floor the least a rate slows down to when the provider throttles
     * @param loop the delivery's event loop, where the slots tick
     */
    public AccountSlots(Map<String, SendBudget> budgets, int instances, double floor, EventExecutorGroup loop) {
        budgets.forEach((appId, budget) -> {
            RateSlots slots = byAccount.computeIfAbsent(budget.account(), a -> {
                double even = budget.evenShare(instances);
                return new RateSlots(new RateLimiter(even, Math.min(floor, even)), loop);
            });
            this.budgets.put(budget.account(), budget);
            byApp.put(appId, slots);
        });
        this.unbudgeted = new RateSlots(new RateLimiter(Double.POSITIVE_INFINITY, floor), loop);
    }

    /** Slots without any budget, for a single limit that adapts only to throttling (tests). */
    public static AccountSlots unbudgeted(double floor, EventExecutorGroup loop) {
        return new AccountSlots(Map.of(), 1, floor, loop);
    }

    /** The slots {@code appId}'s notifications wait in. */
    public RateSlots forApp(String appId) {
        RateSlots slots = byApp.get(appId);
        return slots == null ? unbudgeted : slots;
    }

    /** The budgets these slots spend, by account. */
    public Map<BudgetAccount, SendBudget> budgets() {
        return budgets;
    }

    /** Each budgeted account's slots. */
    public Map<BudgetAccount, RateSlots> byAccount() {
        return byAccount;
    }

    /** What this instance asks of each budget since the last report. */
    public Map<BudgetAccount, Demand> demands(long nowNanos) {
        Map<BudgetAccount, Demand> demands = new HashMap<>();
        byAccount.forEach((account, slots) -> demands.put(account, slots.demand(nowNanos)));
        return demands;
    }

    /** This instance's new shares, per second, from the coordinator; accounts it does not name keep theirs. */
    public void share(Map<BudgetAccount, Double> shares) {
        shares.forEach((account, perSecond) -> {
            RateSlots slots = byAccount.get(account);
            if (slots != null) {
                slots.share(perSecond);
            }
        });
    }

    /**
     * How many more notifications may start toward the provider so that none waits for its slot
     * longer than {@code aheadSeconds}: the sum over the accounts in use (unbounded while any of them
     * has no limit).
     */
    public int room(double aheadSeconds) {
        // The apps without a budget count once any of them sent, or if no app has one.
        long room = unbudgeted.used() || byAccount.isEmpty() ? unbudgeted.room(aheadSeconds) : 0;
        for (RateSlots s : byAccount.values()) {
            room += s.room(aheadSeconds);
        }
        return (int) Math.min(Integer.MAX_VALUE, room);
    }

    /** The sum of the current rates, per second: infinite while any account in use has no limit. */
    public double rate() {
        double sum = unbudgeted.limit().rate();
        for (RateSlots s : byAccount.values()) {
            sum += s.limit().rate();
        }
        return sum;
    }
}
