package io.herald.job;

import io.herald.job.config.HeraldConfig;
import java.io.File;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ParameterTool;

/**
 * The job's entry point on a cluster: {@code flink run herald-job-flink.jar --config herald.yaml}.
 * {@link #startEmbedded} runs the same job on an embedded MiniCluster, for {@code ./herald run}.
 */
public final class HeraldMain {
    private HeraldMain() {}

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        if (!params.has("config")) {
            System.err.println("usage: flink run herald-job-flink.jar --config herald.yaml");
            System.exit(2);
        }
        HeraldConfig config = HeraldConfig.read(new File(params.getRequired("config")));
        HeraldJob job = new HeraldJob(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(job.flinkConfiguration());
        job.build(env, HeraldSources.kafka(config));
        env.execute("Herald");
    }

    /**
     * Starts the job on an embedded MiniCluster with the Flink web UI and returns at once.
     *
     * @param webUiPort the web UI's port (8081 by convention, 0 for any free port)
     * @param savepoint a savepoint or retained checkpoint to start from, or null
     */
    public static JobClient startEmbedded(HeraldConfig config, int webUiPort, String savepoint) throws Exception {
        Configuration cluster = new Configuration();
        cluster.set(RestOptions.PORT, webUiPort);
        return startEmbedded(config, cluster, savepoint);
    }

    /**
     * Starts the job on an embedded MiniCluster set up with {@code cluster} (what a cluster's
     * config.yaml would hold: its web UI port, metric reporters) and returns at once.
     */
    public static JobClient startEmbedded(HeraldConfig config, Configuration cluster, String savepoint)
            throws Exception {
        HeraldJob job = new HeraldJob(config);
        Configuration conf = job.flinkConfiguration();
        // An embedded Flink keeps 128 MB of managed memory, a few tens of MB of block cache per RocksDB
        // instance: past a few hundred thousand users every read decompresses its blocks again (at
        // 4.6 million devices a fan-out barely moved). This is what flink-conf/config.yaml gives a
        // task manager (half of 4 GB, for two slots).
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("1700m"));
        conf.addAll(cluster);
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        job.build(env, HeraldSources.kafka(config));
        return env.executeAsync("Herald");
    }
}
