package io.herald.delivery;

import io.herald.budget.BudgetAccount;
import io.herald.budget.Demand;
import io.herald.budget.SendBudget;
import io.herald.budget.ShareOut;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;

/**
 * Keeps each send budget whole over a delivery's parallel instances: every instance reports what it
 * asks of each budget a few times a second ({@link DeliveryOperator#REPORT_EVERY_MS}); on each report
 * the coordinator divides every budget again ({@link ShareOut}) and tells each instance its new share
 * where it moved. An instance with nothing to send keeps a floor and lends the rest to those with
 * more, within a report or two. Flink runs it on the JobManager, in its main thread, as it runs a
 * source's split enumerator.
 *
 * <p>It keeps nothing in checkpoints: shares are rebuilt from the next reports. An instance that
 * failed, or has not reported yet, counts as asking for nothing until it reports; until its first
 * grant an instance holds an even share.
 */
public final class BudgetCoordinator implements OperatorCoordinator {
    /** A share is sent again only when it moved by more than this part of an even share. */
    static final double MOVE = 0.02;

    private final Context context;
    private final Map<BudgetAccount, SendBudget> budgets;
    private SubtaskGateway[] gateways;
    private Map<BudgetAccount, Demand>[] demands;
    private Map<BudgetAccount, Double>[] granted;

    BudgetCoordinator(Context context, Map<BudgetAccount, SendBudget> budgets) {
        this.context = context;
        this.budgets = budgets;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void start() {
        int n = context.currentParallelism();
        gateways = new SubtaskGateway[n];
        demands = new Map[n];
        granted = new Map[n];
        for (int i = 0; i < n; i++) {
            granted[i] = new HashMap<>();
        }
    }

    @Override
    public void close() {}

    @Override
    public void handleEventFromOperator(int subtask, int attemptNumber, OperatorEvent event) {
        if (event instanceof BudgetEvents.DemandReport report) {
            demands[subtask] = report.demands;
            divide();
        }
    }

    /** Divides every budget again and tells each instance whose share moved. */
    private void divide() {
        int n = gateways.length;
        Map<BudgetAccount, Double>[] moved = newMaps(n);
        for (SendBudget budget : budgets.values()) {
            Demand[] asks = new Demand[n];
            for (int i = 0; i < n; i++) {
                Demand d = demands[i] == null ? null : demands[i].get(budget.account());
                asks[i] = d == null ? Demand.IDLE : d;
            }
            double[] shares = ShareOut.divide(budget.perSecond(), asks);
            double threshold = budget.evenShare(n) * MOVE;
            for (int i = 0; i < n; i++) {
                Double before = granted[i].get(budget.account());
                if (before == null || Math.abs(before - shares[i]) > threshold) {
                    moved[i].put(budget.account(), shares[i]);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            SubtaskGateway gateway = gateways[i];
            if (gateway != null && !moved[i].isEmpty()) {
                granted[i].putAll(moved[i]);
                gateway.sendEvent(new BudgetEvents.ShareGrant(moved[i]));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<BudgetAccount, Double>[] newMaps(int n) {
        Map<BudgetAccount, Double>[] maps = new Map[n];
        Arrays.setAll(maps, i -> new HashMap<>());
        return maps;
    }

    @Override
    public void checkpointCoordinator(long checkpointId, CompletableFuture<byte[]> result) {
        result.complete(new byte[0]);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {}

    /** A global failover: every instance starts again, and says what it asks when it reports. */
    @Override
    public void resetToCheckpoint(long checkpointId, byte[] checkpointData) {
        if (gateways != null) {
            for (int i = 0; i < gateways.length; i++) {
                forget(i);
            }
        }
    }

    @Override
    public void subtaskReset(int subtask, long checkpointId) {
        forget(subtask);
    }

    @Override
    public void executionAttemptFailed(int subtask, int attemptNumber, Throwable reason) {
        forget(subtask);
    }

    @Override
    public void executionAttemptReady(int subtask, int attemptNumber, SubtaskGateway gateway) {
        gateways[subtask] = gateway;
        granted[subtask].clear(); // a new attempt starts from an even share: tell it its share
    }

    private void forget(int subtask) {
        gateways[subtask] = null;
        demands[subtask] = null;
        granted[subtask].clear();
    }

    /** Makes the coordinator of one delivery operator; serialized into the job graph. */
    static final class Provider implements OperatorCoordinator.Provider {
        private static final long serialVersionUID = 1L;

        private final OperatorID operatorId;
        private final LinkedHashMap<BudgetAccount, SendBudget> budgets;

        Provider(OperatorID operatorId, Map<BudgetAccount, SendBudget> budgets) {
            this.operatorId = operatorId;
            this.budgets = new LinkedHashMap<>(budgets);
        }

        @Override
        public OperatorID getOperatorId() {
            return operatorId;
        }

        @Override
        public OperatorCoordinator create(Context context) {
            return new BudgetCoordinator(context, budgets);
        }
    }
}
