package io.herald.job.cli;

import io.herald.job.config.HeraldConfig;
import java.io.File;
import java.io.FileNotFoundException;
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

    /**
     * The configuration, read and checked once.
     *
     * @throws Unreadable when the file is missing, is no configuration, or fails its checks
     */
    public HeraldConfig config() {
        if (config == null) {
            try {
                config = HeraldConfig.read(file);
            } catch (IOException | RuntimeException e) {
                throw new Unreadable(file, e);
            }
        }
        return config;
    }

    /** The configuration a command was given cannot be used: said in one line, not a stack trace. */
    public static final class Unreadable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unreadable(File file, Exception cause) {
            super(
                    "the configuration " + file + " cannot be used: "
                            + (cause instanceof FileNotFoundException ? "no such file" : firstLine(cause.getMessage())),
                    cause);
        }

        private static String firstLine(String message) {
            return message == null ? "unreadable" : message.lines().findFirst().orElse("unreadable");
        }
    }

    /** Kafka client properties: the bootstrap servers and every property of {@code kafka.properties}. */
    public Properties kafka() throws IOException {
        Properties p = new Properties();
        p.putAll(config().kafka.properties);
        p.put("bootstrap.servers", config().kafka.bootstrapServers);
        return p;
    }
}
