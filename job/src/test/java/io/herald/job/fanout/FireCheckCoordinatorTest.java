package io.herald.job.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.job.fanout.FireCheckEvents.Check;
import io.herald.job.fanout.FireCheckEvents.Count;
import io.herald.job.fanout.FireCheckEvents.Totals;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.EventReceivingTasks;
import org.apache.flink.runtime.operators.coordination.MockOperatorCoordinatorContext;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The coordinator as Flink drives it, with Flink's own test context and gateways. */
class FireCheckCoordinatorTest {
    private static final Check CHECK = new Check("c1", 1_000);

    private EventReceivingTasks tasks;
    private OperatorCoordinator coordinator;

    @BeforeEach
    void start() throws Exception {
        coordinator = started();
    }

    private OperatorCoordinator started() throws Exception {
        tasks = EventReceivingTasks.createForRunningTasks();
        OperatorID id = new OperatorID();
        OperatorCoordinator c = new FireCheckCoordinator.Provider(id).create(new MockOperatorCoordinatorContext(id, 2));
        c.start();
        for (int i = 0; i < 2; i++) {
            c.executionAttemptReady(i, 0, tasks.createGatewayForSubtask(i, 0));
        }
        return c;
    }

    /** Subtask {@code subtask} counted key groups {@code from} to {@code to} of 4: {@code audience} and {@code devices} each. */
    private void count(int subtask, int from, int to, long audience, long devices) throws Exception {
        int n = to - from + 1;
        int[] groups = new int[n];
        long[] a = new long[n];
        long[] d = new long[n];
        for (int i = 0; i < n; i++) {
            groups[i] = from + i;
            a[i] = audience;
            d[i] = devices;
        }
        coordinator.handleEventFromOperator(subtask, 0, new Count(CHECK, 4, groups, a, d));
    }

    @Test
    void theTotalsGoToEveryInstanceOnceEveryKeyGroupIsCounted_aKeyGroupCountedAgainCountsOnce() throws Exception {
        count(0, 0, 1, 10, 20);
        count(0, 0, 1, 10, 20); // reported again (after a restore of that instance): the same key groups
        assertThat(tasks.getSentEventsForSubtask(0)).isEmpty();
        assertThat(tasks.getSentEventsForSubtask(1)).isEmpty();
        count(1, 2, 3, 5, 7);
        for (int i = 0; i < 2; i++) {
            assertThat(tasks.getSentEventsForSubtask(i)).containsExactly(new Totals(CHECK, 30, 54));
        }
        // Asked again, it answers at once, with the same totals, to the one that asked.
        count(1, 2, 3, 999, 999);
        assertThat(tasks.getSentEventsForSubtask(1)).hasSize(2).last().isEqualTo(new Totals(CHECK, 30, 54));
        assertThat(tasks.getSentEventsForSubtask(0)).hasSize(1);
    }

    @Test
    void decidedTotalsSurviveARestoreOfTheCoordinator_countsNotYetCompleteDoNot() throws Exception {
        count(0, 0, 3, 1, 2); // every key group: decided
        Check other = new Check("c2", 2_000);
        coordinator.handleEventFromOperator(
                0, 0, new Count(other, 4, new int[] {0, 1}, new long[] {1, 1}, new long[] {1, 1}));
        CompletableFuture<byte[]> checkpoint = new CompletableFuture<>();
        coordinator.checkpointCoordinator(7, checkpoint);

        coordinator = started();
        coordinator.resetToCheckpoint(7, checkpoint.get());
        count(1, 2, 3, 0, 0); // an instance restored still waiting asks again
        assertThat(tasks.getSentEventsForSubtask(1)).containsExactly(new Totals(CHECK, 4, 8));
        coordinator.handleEventFromOperator(
                1, 0, new Count(other, 4, new int[] {2, 3}, new long[] {1, 1}, new long[] {1, 1}));
        assertThat(tasks.getSentEventsForSubtask(1))
                .as("c2's first half was not kept: it waits for every key group again")
                .hasSize(1);
        coordinator.handleEventFromOperator(
                0, 0, new Count(other, 4, new int[] {0, 1}, new long[] {1, 1}, new long[] {1, 1}));
        assertThat(tasks.getSentEventsForSubtask(0)).containsExactly(new Totals(other, 4, 4));
    }

    @Test
    void anInstanceNotReadyGetsNothing_andIsAnsweredWhenItAsksAgain() throws Exception {
        coordinator.executionAttemptFailed(1, 0, new RuntimeException("killed"));
        count(0, 0, 3, 1, 1);
        assertThat(tasks.getSentEventsForSubtask(0)).hasSize(1);
        assertThat(tasks.getSentEventsForSubtask(1)).isEmpty();
        coordinator.executionAttemptReady(1, 1, tasks.createGatewayForSubtask(1, 1));
        coordinator.executionAttemptFailed(1, 0, new RuntimeException("a late word about the old attempt"));
        count(1, 2, 3, 1, 1);
        assertThat(tasks.getSentEventsForSubtask(1))
                .as("the new attempt keeps its gateway")
                .containsExactly(new Totals(CHECK, 4, 4));
    }
}
