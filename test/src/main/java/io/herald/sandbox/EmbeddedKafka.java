package io.herald.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.LoggerFactory;

/** A real single-node Kafka broker (KRaft, combined broker and controller) in this JVM. */
public final class EmbeddedKafka implements AutoCloseable {
    private final KafkaClusterTestKit cluster;

    private EmbeddedKafka(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
    }

    /** Formats storage under {@code dir} and starts the broker; returns when it accepts clients. */
    public static EmbeddedKafka start(Path dir) throws Exception {
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .setBaseDirectory(dir)
                        .build())
                // One broker: internal topics cannot be replicated, and nobody waits for rebalances.
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "4")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("log.flush.interval.messages", Long.toString(Long.MAX_VALUE))
                .build();
        // Kafka's formatter prints what it does on standard output; it belongs in the log.
        ByteArrayOutputStream formatOutput = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(formatOutput, true, StandardCharsets.UTF_8));
        try {
            cluster.format();
        } finally {
            System.setOut(stdout);
        }
        LoggerFactory.getLogger(EmbeddedKafka.class)
                .info(
                        "Formatted the broker's storage: {}",
                        formatOutput.toString(StandardCharsets.UTF_8).trim());
        cluster.startup();
        cluster.waitForReadyBrokers();
        return new EmbeddedKafka(cluster);
    }

    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /** Creates topics, each with the given number of partitions. */
    public void createTopics(Map<String, Integer> partitions) throws Exception {
        try (Admin admin = admin()) {
            List<NewTopic> topics = new ArrayList<>();
            partitions.forEach((name, n) -> topics.add(new NewTopic(name, n, (short) 1)));
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
    }

    public Admin admin() {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers());
        return Admin.create(p);
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
