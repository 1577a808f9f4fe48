package io.herald.delivery;

import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEventDispatcher;
import org.apache.flink.streaming.api.operators.CoordinatedOperatorFactory;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;

/**
 * A {@link DeliveryOperator} with its {@link BudgetCoordinator}: what the job hands to
 * {@code transform}, so that every instance of the delivery is connected to the one coordinator
 * that keeps its provider's send budgets whole.
 */
public final class DeliveryOperatorFactory extends SimpleOperatorFactory<Receipt>
        implements CoordinatedOperatorFactory<Receipt>, OneInputStreamOperatorFactory<SendRequest, Receipt> {
    private static final long serialVersionUID = 1L;

    private final DeliveryOperator delivery;

    public DeliveryOperatorFactory(DeliveryOperator delivery) {
        super(delivery);
        this.delivery = delivery;
    }

    @Override
    public <T extends StreamOperator<Receipt>> T createStreamOperator(StreamOperatorParameters<Receipt> parameters) {
        T created = super.createStreamOperator(parameters);
        OperatorID id = parameters.getStreamConfig().getOperatorID();
        OperatorEventDispatcher dispatcher = parameters.getOperatorEventDispatcher();
        dispatcher.registerEventHandler(id, delivery);
        delivery.reportTo(dispatcher.getOperatorEventGateway(id));
        return created;
    }

    @Override
    public OperatorCoordinator.Provider getCoordinatorProvider(String operatorName, OperatorID operatorID) {
        return new BudgetCoordinator.Provider(operatorID, delivery.budgets());
    }
}
