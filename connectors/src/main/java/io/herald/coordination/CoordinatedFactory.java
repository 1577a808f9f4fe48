package io.herald.coordination;

import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEventDispatcher;
import org.apache.flink.streaming.api.operators.CoordinatedOperatorFactory;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/**
 * What the job hands to {@code transform} for a {@link CoordinatedOperator}: every instance is
 * connected to the one coordinator that {@link #coordinator} provides.
 *
 * @param <OUT> what the operator emits
 */
public abstract class CoordinatedFactory<OUT> extends SimpleOperatorFactory<OUT>
        implements CoordinatedOperatorFactory<OUT> {
    private static final long serialVersionUID = 1L;

    private final CoordinatedOperator coordinated;

    protected <O extends StreamOperator<OUT> & CoordinatedOperator> CoordinatedFactory(O operator) {
        super(operator);
        this.coordinated = operator;
    }

    @Override
    public <T extends StreamOperator<OUT>> T createStreamOperator(StreamOperatorParameters<OUT> parameters) {
        T created = super.createStreamOperator(parameters);
        OperatorID id = parameters.getStreamConfig().getOperatorID();
        OperatorEventDispatcher dispatcher = parameters.getOperatorEventDispatcher();
        dispatcher.registerEventHandler(id, coordinated);
        coordinated.reportTo(dispatcher.getOperatorEventGateway(id));
        return created;
    }

    @Override
    public OperatorCoordinator.Provider getCoordinatorProvider(String operatorName, OperatorID operatorID) {
        return coordinator(operatorID);
    }

    /** The coordinator of the operator {@code operatorID}. */
    protected abstract OperatorCoordinator.Provider coordinator(OperatorID operatorID);
}
