package io.herald.delivery;

import io.herald.budget.BudgetAccount;
import io.herald.budget.Demand;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;

/** What a delivery instance and its {@link BudgetCoordinator} tell each other. */
final class BudgetEvents {
    private BudgetEvents() {}

    /** From an instance: what it asks of each budget since its last report. */
    static final class DemandReport implements OperatorEvent {
        private static final long serialVersionUID = 1L;

        final HashMap<BudgetAccount, Demand> demands;

        DemandReport(Map<BudgetAccount, Demand> demands) {
            this.demands = new HashMap<>(demands);
        }

        @Override
        public String toString() {
            return "demands " + demands;
        }
    }

    /** To an instance: its new share of each budget it names, per second. */
    static final class ShareGrant implements OperatorEvent {
        private static final long serialVersionUID = 1L;

        final HashMap<BudgetAccount, Double> shares;

        ShareGrant(Map<BudgetAccount, Double> shares) {
            this.shares = new HashMap<>(shares);
        }

        @Override
        public String toString() {
            return "shares " + shares;
        }
    }
}
