package io.herald.cli;

import io.herald.sandbox.SyntheticUsers;
import picocli.CommandLine.Option;

/** The options of a command that starts the sandbox and its job with synthetic users (demo, sandbox). */
final class SandboxOptions {
    @Option(
            names = "--dead-share",
            defaultValue = "0.02",
            description = "Share of dead tokens (default ${DEFAULT-VALUE}).")
    double deadShare;

    @Option(names = "--parallelism", defaultValue = "2", description = "Job parallelism (default ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(
            names = "--web-ui-port",
            defaultValue = "8081",
            description = "Flink web UI port (default ${DEFAULT-VALUE}).")
    int webUiPort;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description = "Seed of the synthetic users (default ${DEFAULT-VALUE}).")
    long seed;

    SyntheticUsers population(int users) {
        return SyntheticUsers.generate(users, seed, deadShare);
    }
}
