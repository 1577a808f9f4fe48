package io.herald.job.functions;

import io.herald.model.Platform;
import io.herald.model.SendRequest;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Sends iOS requests on to APNs (the main output) and Android requests to the {@link Descriptors#ANDROID} side
 * output; a control element about a whole campaign goes to both.
 */
public final class SplitByPlatform extends ProcessFunction<SendRequest, SendRequest> {
    private static final long serialVersionUID = 1L;

    @Override
    public void processElement(SendRequest request, Context ctx, Collector<SendRequest> out) {
        if (request.control != null) {
            out.collect(request);
            ctx.output(Descriptors.ANDROID, request);
        } else if (request.platform == Platform.IOS) {
            out.collect(request);
        } else {
            ctx.output(Descriptors.ANDROID, request);
        }
    }
}
