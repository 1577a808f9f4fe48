package io.herald.delivery;

import io.herald.coordination.CoordinatedFactory;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperatorFactory;

/**
 * A {@link DeliveryOperator} with its {@link BudgetCoordinator}: every instance of the delivery is
 * connected to the one coordinator that keeps its providers' send budgets whole.
 */
public final class DeliveryOperatorFactory extends CoordinatedFactory<Receipt>
        implements OneInputStreamOperatorFactory<SendRequest, Receipt> {
    private static final long serialVersionUID = 1L;

    private final DeliveryOperator delivery;

    public DeliveryOperatorFactory(DeliveryOperator delivery) {
        super(delivery);
        this.delivery = delivery;
    }

    @Override
    protected OperatorCoordinator.Provider coordinator(OperatorID operatorID) {
        return new BudgetCoordinator.Provider(operatorID, delivery.budgets());
    }
}
