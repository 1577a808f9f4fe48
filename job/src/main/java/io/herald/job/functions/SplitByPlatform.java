package io.herald.job.functions;

import io.herald.model.Platform;
import io.herald.model.SendRequest;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Sends each request to its platform's delivery ({@link Descriptors#toPlatform}); a control element
 * about a whole campaign or app goes to every platform's. The main output carries nothing: every
 * platform is a side output alike, so a new provider is a new tag, not a new branch.
 */
public final class SplitByPlatform extends ProcessFunction<SendRequest, SendRequest> {
    private static final long serialVersionUID = 1L;
    private static final Platform[] PLATFORMS = Platform.values();

    @Override
    public void processElement(SendRequest request, Context ctx, Collector<SendRequest> out) {
        if (request.control != null) {
            for (Platform p : PLATFORMS) {
                ctx.output(Descriptors.toPlatform(p), request);
            }
        } else {
            ctx.output(Descriptors.toPlatform(request.platform), request);
        }
    }
}
