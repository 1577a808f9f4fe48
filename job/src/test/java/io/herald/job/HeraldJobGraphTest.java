package io.herald.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.apns.ApnsApp;
import io.herald.job.config.HeraldConfig;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The dataflow as Flink runs it: the fan-out and every provider's delivery in one chain. The
 * walker hands out only what the deliveries in its own task have room for ({@code DeliveryRoom}),
 * and a pause or a cancel reaches them at once; a delivery out of the chain would take its
 * notifications over the network, with a pause queued behind them.
 */
class HeraldJobGraphTest {
    @Test
    void theFanOutAndEveryDeliveryAreOneChain() throws Exception {
        HeraldConfig config = new HeraldConfig();
        config.kafka.bootstrapServers = "localhost:9092";
        HeraldConfig.App app = new HeraldConfig.App();
        app.id = "news";
        app.apns = new ApnsApp();
        app.apns.keyFile = "/k.p8";
        app.apns.keyId = "K";
        app.apns.teamId = "T";
        app.apns.topic = "com.example.news";
        config.apps.add(app);
        config.check();
        HeraldJob job = new HeraldJob(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(job.flinkConfiguration());
        job.build(env, HeraldSources.kafka(config));
        JobGraph graph = env.getStreamGraph().getJobGraph();
        List<String> vertices = new ArrayList<>();
        for (JobVertex v : graph.getVertices()) {
            vertices.add(v.getName());
        }
        assertThat(vertices)
                .as("the job's tasks")
                .anySatisfy(name -> assertThat(name)
                        .contains("Keep user state, fan campaigns out")
                        .contains("Split by platform")
                        .contains("Deliver to APNs")
                        .contains("Deliver to FCM")
                        .contains("Deliver to Web push"));
    }
}
