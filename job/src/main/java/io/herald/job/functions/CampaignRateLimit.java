package io.herald.job.functions;

import io.herald.delivery.RateLimiter;
import io.herald.model.SendRequest;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Holds each campaign to its {@code maxPerSecond}, over the whole job: every parallel instance takes
 * an equal share (the fan-out spreads a campaign's users evenly over them). A request early for its
 * slot waits here, which backpressures the fan-out: nothing queues without bound.
 */
public final class CampaignRateLimit extends ProcessFunction<SendRequest, SendRequest> {
    private static final long serialVersionUID = 1L;
    /** Campaigns limited at once per instance; past it, the table starts afresh (a limit then restarts). */
    private static final int MAX_CAMPAIGNS = 1000;

    private transient Map<String, RateLimiter> limits;
    private transient int instances;

    @Override
    public void open(OpenContext openContext) {
        limits = new HashMap<>();
        instances = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    }

    @Override
    public void processElement(SendRequest request, Context ctx, Collector<SendRequest> out) throws Exception {
        if (request.maxPerSecond != null && request.maxPerSecond > 0) {
            if (limits.size() >= MAX_CAMPAIGNS && !limits.containsKey(request.campaignId)) {
                limits.clear();
            }
            double share = request.maxPerSecond / (double) instances;
            long wait = limits.computeIfAbsent(request.campaignId, id -> new RateLimiter(share, share))
                    .reserve(System.nanoTime());
            if (wait > 0) {
                Thread.sleep(wait);
            }
        }
        out.collect(request);
    }
}
