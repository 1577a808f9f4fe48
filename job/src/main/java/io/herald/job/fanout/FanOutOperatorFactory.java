package io.herald.job.fanout;

import io.herald.model.CampaignEvent;
import io.herald.model.SendRequest;
import io.herald.model.UserUpdate;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEventDispatcher;
import org.apache.flink.streaming.api.operators.CoordinatedOperatorFactory;
import org.apache.flink.streaming.api.operators.SimpleOperatorFactory;
import org.apache.flink.streaming.api.operators.StreamOperator;
import org.apache.flink.streaming.api.operators.StreamOperatorParameters;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperatorFactory;

/**
 * A {@link FanOutOperator} with its {@link FireCheckCoordinator}: what the job hands to {@code
 * transform}, so that every instance of the fan-out is connected to the one coordinator that adds
 * up fire guards' counts.
 */
public final class FanOutOperatorFactory extends SimpleOperatorFactory<SendRequest>
        implements CoordinatedOperatorFactory<SendRequest>,
                TwoInputStreamOperatorFactory<UserUpdate, CampaignEvent, SendRequest> {
    private static final long serialVersionUID = 1L;

    private final FanOutOperator fanOut;

    public FanOutOperatorFactory(FanOutOperator fanOut) {
        super(fanOut);
        this.fanOut = fanOut;
    }

    @Override
    public <T extends StreamOperator<SendRequest>> T createStreamOperator(
            StreamOperatorParameters<SendRequest> parameters) {
        T created = super.createStreamOperator(parameters);
        OperatorID id = parameters.getStreamConfig().getOperatorID();
        OperatorEventDispatcher dispatcher = parameters.getOperatorEventDispatcher();
        dispatcher.registerEventHandler(id, fanOut);
        fanOut.reportTo(dispatcher.getOperatorEventGateway(id));
        return created;
    }

    @Override
    public OperatorCoordinator.Provider getCoordinatorProvider(String operatorName, OperatorID operatorID) {
        return new FireCheckCoordinator.Provider(operatorID);
    }
}
