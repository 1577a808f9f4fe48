package io.herald.job.cli;

import io.herald.job.HeraldMain;
import io.herald.job.config.HeraldConfig;
import java.io.File;
import java.util.concurrent.Callable;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./herald run --config FILE}: the production job on an embedded Flink MiniCluster. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run the Herald job on an embedded Flink MiniCluster (web UI on --web-ui-port).")
public final class RunCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The Herald YAML configuration.")
    File config;

    @Option(names = "--from-savepoint", description = "A savepoint (or retained checkpoint) to start from.")
    String savepoint;

    @Option(
            names = "--web-ui-port",
            defaultValue = "8081",
            description = "Port of the Flink web UI (default ${DEFAULT-VALUE}).")
    int webUiPort;

    @Override
    public Integer call() throws Exception {
        HeraldConfig c = HeraldConfig.read(config);
        JobClient job = HeraldMain.startEmbedded(c, webUiPort, savepoint);
        System.out.println("Herald is running as job " + job.getJobID() + "; Flink web UI on http://localhost:"
                + webUiPort + " ; Ctrl-C stops it.");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> job.cancel().join()));
        job.getJobExecutionResult().get();
        return 0;
    }
}
