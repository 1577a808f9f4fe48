package io.herald.job.cli;

import io.herald.job.config.HeraldConfig;
import java.io.File;
import java.io.IOException;
import java.util.Properties;
import picocli.CommandLine.Option;

/** {@code --config herald.yaml}: the deployment a command talks to (Kafka, its security settings, topics, apps). */
public final class ConfigOption {
    @Option(
            names = "--config",
            required = true,
            paramLabel = "FILE",
            description = "The deployment's configuration (herald.yaml): Kafka, its security properties, topics, apps.")
    File file;

    private HeraldConfig config;

    /** The configuration, read and checked once. */
    public HeraldConfig config() throws IOException {
        if (config == null) {
            config = HeraldConfig.read(file);
        }
        return config;
    }

    /** Kafka client properties: the bootstrap servers and every property of {@code kafka.properties}. */
    public Properties kafka() throws IOException {
        Properties p = new Properties();
        p.putAll(config().kafka.properties);
        p.put("bootstrap.servers", config().kafka.bootstrapServers);
        return p;
    }
}
