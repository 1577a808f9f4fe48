package io.herald.budget;

import java.io.Serializable;
import java.util.Objects;

/**
 * A provider account whose quota several apps, or several instances, spend together: an FCM project,
 * or an APNs app given a budget of its own. Equal when provider and name are.
 */
public final class BudgetAccount implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String provider;
    private final String name;

    private BudgetAccount(String provider, String name) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.name = Objects.requireNonNull(name, "name");
    }

    /** The FCM project {@code projectId}: FCM counts its quota per project, whichever app sends. */
    public static BudgetAccount fcmProject(String projectId) {
        return new BudgetAccount("FCM", "project " + projectId);
    }

    /** The APNs app {@code appId}, when it is given a budget (APNs publishes no quota). */
    public static BudgetAccount apnsApp(String appId) {
        return new BudgetAccount("APNs", "app " + appId);
    }

    /** The name as a metric may carry it: letters, digits, '-' and '_' only. */
    public String metricName() {
        return (provider + "_" + name).replaceAll("[^A-Za-z0-9_-]", "_");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BudgetAccount a && a.provider.equals(provider) && a.name.equals(name);
    }

    @Override
    public int hashCode() {
        return provider.hashCode() * 31 + name.hashCode();
    }

    @Override
    public String toString() {
        return provider + " " + name;
    }
}
