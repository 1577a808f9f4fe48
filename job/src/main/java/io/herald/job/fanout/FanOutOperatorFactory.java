package io.herald.job.fanout;

import io.herald.coordination.CoordinatedFactory;
import io.herald.model.CampaignEvent;
import io.herald.model.SendRequest;
import io.herald.model.UserUpdate;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperatorFactory;

/**
 * A {@link FanOutOperator} with its {@link FireCheckCoordinator}: every instance of the fan-out is
 * connected to the one coordinator that adds up fire guards' counts.
 */
public final class FanOutOperatorFactory extends CoordinatedFactory<SendRequest>
        implements TwoInputStreamOperatorFactory<UserUpdate, CampaignEvent, SendRequest> {
    private static final long serialVersionUID = 1L;

    public FanOutOperatorFactory(FanOutOperator fanOut) {
        super(fanOut);
    }

    @Override
    protected OperatorCoordinator.Provider coordinator(OperatorID operatorID) {
        return new FireCheckCoordinator.Provider(operatorID);
    }
}
