package io.herald.coordination;

import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;
import org.apache.flink.runtime.operators.coordination.OperatorEventHandler;

/** An operator with a coordinator of its own: it takes the coordinator's events and is told where to send its own. */
public interface CoordinatedOperator extends OperatorEventHandler {
    /** Where this instance's events to its coordinator go; set before the operator is set up. */
    void reportTo(OperatorEventGateway gateway);
}
