package io.herald.job.cli;

import io.herald.job.bootstrap.DeviceBootstrap;
import io.herald.job.config.HeraldConfig;
import java.io.File;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./herald devices ...}: work on the device base outside the running job. */
@Command(
        name = "devices",
        mixinStandardHelpOptions = true,
        description = "Work on the device base.",
        subcommands = DevicesCommand.Bootstrap.class)
public final class DevicesCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /** {@code ./herald devices bootstrap FILE.jsonl --savepoint DIR}. */
    @Command(
            name = "bootstrap",
            mixinStandardHelpOptions = true,
            description = "Turn a JSON Lines export of devices into a savepoint to start Herald from "
                    + "(./herald run --from-savepoint DIR, or flink run -s DIR).")
    static final class Bootstrap implements Callable<Integer> {
        @Parameters(index = "0", description = "The export: one device per line, the fields of a register event.")
        File export;

        @Option(names = "--savepoint", required = true, description = "Where to write the savepoint (a new folder).")
        File savepoint;

        @Option(names = "--config", description = "The deployment's configuration, for its device TTL.")
        File config;

        @Option(names = "--parallelism", defaultValue = "2", description = "Workers (default ${DEFAULT-VALUE}).")
        int parallelism;

        @Override
        public Integer call() throws Exception {
            int ttlDays = config == null
                    ? new HeraldConfig().state.deviceTtlDays
                    : HeraldConfig.read(config).state.deviceTtlDays;
            System.out.println("Bootstrapping devices from " + export + " ...");
            DeviceBootstrap.Result r = DeviceBootstrap.run(
                    export.getAbsolutePath(), savepoint.getAbsolutePath(), Duration.ofDays(ttlDays), parallelism);
            System.out.printf(
                    "%,d lines read, %,d refused, savepoint written to %s in %,d ms%n",
                    r.linesRead, r.linesRefused, savepoint.getAbsolutePath(), r.elapsedMs);
            return r.linesRead > 0 && r.linesRefused < r.linesRead ? 0 : 1;
        }
    }
}
