package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.herald.budget.BudgetAccount;
import io.herald.budget.Demand;
import io.herald.budget.SendBudget;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.EventReceivingTasks;
import org.apache.flink.runtime.operators.coordination.MockOperatorCoordinatorContext;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The coordinator as Flink drives it, with Flink's own test context and gateways. */
class BudgetCoordinatorTest {
    private static final BudgetAccount PROJECT = BudgetAccount.fcmProject("p");
    private static final BudgetAccount OTHER = BudgetAccount.fcmProject("q");

    private final EventReceivingTasks tasks = EventReceivingTasks.createForRunningTasks();
    private OperatorCoordinator coordinator;

    @BeforeEach
    void start() throws Exception {
        OperatorID id = new OperatorID();
        coordinator = new BudgetCoordinator.Provider(
                        id,
                        Map.of(
                                PROJECT, new SendBudget(PROJECT, 1000),
                                OTHER, new SendBudget(OTHER, 100)))
                .create(new MockOperatorCoordinatorContext(id, 2));
        coordinator.start();
        for (int i = 0; i < 2; i++) {
            coordinator.executionAttemptReady(i, 0, tasks.createGatewayForSubtask(i, 0));
        }
    }

    private void report(int subtask, Demand project) throws Exception {
        coordinator.handleEventFromOperator(
                subtask, 0, new BudgetEvents.DemandReport(Map.of(PROJECT, project, OTHER, Demand.IDLE)));
    }

    private Double lastShare(int subtask, BudgetAccount account) {
        List<OperatorEvent> events = tasks.getSentEventsForSubtask(subtask);
        for (int i = events.size() - 1; i >= 0; i--) {
            Double share = ((BudgetEvents.ShareGrant) events.get(i)).shares.get(account);
            if (share != null) {
                return share;
            }
        }
        return null;
    }

    @Test
    void anIdleInstanceLendsItsShareToTheBusyOne() throws Exception {
        report(0, new Demand(500, true));
        report(1, Demand.IDLE);
        assertThat(lastShare(0, PROJECT)).isCloseTo(975, within(1e-9));
        assertThat(lastShare(1, PROJECT)).isCloseTo(25, within(1e-9));
        assertThat(lastShare(0, OTHER) + lastShare(1, OTHER)).isCloseTo(100, within(1e-9));
    }

    @Test
    void whenBothWaitTheyShareEvenlyAgain() throws Exception {
        report(0, new Demand(500, true));
        report(1, Demand.IDLE);
        report(1, new Demand(25, true));
        assertThat(lastShare(0, PROJECT)).isEqualTo(500);
        assertThat(lastShare(1, PROJECT)).isEqualTo(500);
    }

    @Test
    void aShareThatHardlyMovedIsNotSentAgain() throws Exception {
        report(0, new Demand(500, true));
        report(1, Demand.IDLE);
        int sent = tasks.getNumberOfSentEvents();
        report(0, new Demand(900, true));
        report(1, Demand.IDLE);
        assertThat(tasks.getNumberOfSentEvents()).isEqualTo(sent);
    }

    @Test
    void aFailedInstanceCountsAsIdleUntilItReportsAndANewAttemptHearsItsShare() throws Exception {
        report(0, new Demand(500, true));
        report(1, new Demand(500, true));
        assertThat(lastShare(0, PROJECT)).isEqualTo(500);
        coordinator.executionAttemptFailed(1, 0, new RuntimeException("TaskManager lost"));
        report(0, new Demand(500, true));
        assertThat(lastShare(0, PROJECT)).isCloseTo(975, within(1e-9));
        int toFailed = tasks.getSentEventsForSubtask(1).size();
        report(0, new Demand(500, true));
        assertThat(tasks.getSentEventsForSubtask(1))
                .as("no grant to a failed attempt")
                .hasSize(toFailed);

        coordinator.executionAttemptReady(1, 1, tasks.createGatewayForSubtask(1, 1));
        report(1, new Demand(0, true));
        assertThat(lastShare(1, PROJECT)).isEqualTo(500);
        assertThat(lastShare(0, PROJECT)).isEqualTo(500);
    }

    @Test
    void aGlobalFailoverForgetsWhatTheInstancesAskedBefore() throws Exception {
        report(0, new Demand(500, true));
        report(1, new Demand(500, true));
        assertThat(lastShare(0, PROJECT)).isEqualTo(500);
        coordinator.resetToCheckpoint(1, new byte[0]);
        for (int i = 0; i < 2; i++) {
            coordinator.executionAttemptReady(i, 1, tasks.createGatewayForSubtask(i, 1));
        }
        report(0, new Demand(500, true));
        assertThat(lastShare(0, PROJECT))
                .as("the other has not reported since: it counts as idle, not as waiting as before")
                .isCloseTo(975, within(1e-9));
    }

    @Test
    void itKeepsNothingInCheckpoints() throws Exception {
        CompletableFuture<byte[]> state = new CompletableFuture<>();
        coordinator.checkpointCoordinator(1, state);
        assertThat(state.get()).isEmpty();
        coordinator.resetToCheckpoint(1, null);
    }
}
