package io.herald.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) in this JVM: open to
 * anyone ({@link #start}), or secured ({@link #startSecured}): clients authenticate with SASL/SCRAM
 * over TLS and are authorized by ACLs, which {@link #security()} creates.
 */
public final class EmbeddedKafka implements AutoCloseable {
    /** The listener clients use; the test kit's broker listener, so that {@link #bootstrapServers()} names it. */
    private static final String CLIENTS = "EXTERNAL";
    /** The secured broker's listener for itself and its admin (inter-broker traffic); see {@link #startSecured}. */
    private static final String INTERNAL = "INTERNAL";
    /** The test kit's controller listener. */
    private static final String CONTROLLER = "CONTROLLER";

    private final KafkaClusterTestKit cluster;
    /** Null for a broker open to anyone. */
    private final KafkaSecurity security;

    private EmbeddedKafka(KafkaClusterTestKit cluster, KafkaSecurity security) {
        this.cluster = cluster;
        this.security = security;
    }

    /** Formats storage under {@code dir} and starts the broker; returns when it accepts clients. */
    public static EmbeddedKafka start(Path dir) throws Exception {
        KafkaClusterTestKit cluster = builder(dir).build();
        start(cluster);
        return new EmbeddedKafka(cluster, null);
    }

    /**
     * Formats storage under {@code dir} and starts a secured broker; returns when it accepts clients.
     * Clients connect with SASL_SSL and SCRAM-SHA-512 ({@link #bootstrapServers()}): TLS with the
     * certificate and key given (PEM), which a client trusts through {@code ca}. The {@code
     * StandardAuthorizer} allows nothing that no ACL allows, but to its super user, the broker's own
     * principal, which the sandbox's admin uses too. Users and ACLs: {@link #security()}.
     *
     * <p>Why more listeners: a SCRAM user is a record of the cluster's metadata, which the broker
     * reads only once it has reached the controller, so for its own connections, to the controller
     * and to itself (transaction markers go over the inter-broker listener, even on one node), SCRAM
     * would need credentials written into the metadata when the storage is formatted. Those
     * connections, and the admin's, use PLAIN on listeners of their own instead, whose one user the
     * broker's configuration names. They are not TLS: they stay on localhost, in this JVM. Clients get
     * no PLAIN: the clients' listener enables SCRAM-SHA-512 only.
     */
    public static EmbeddedKafka startSecured(Path dir, Path ca, Path certificate, Path key) throws Exception {
        Files.createDirectories(dir);
        // A PEM key store is one file: the private key (unencrypted PKCS#8 here), then the certificate.
        Path keyStore = dir.resolve("broker-keystore.pem");
        Files.deleteIfExists(keyStore);
        Files.createFile(keyStore, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyStore, Files.readString(key) + Files.readString(certificate), StandardCharsets.US_ASCII);
        KafkaSecurity.User broker = KafkaSecurity.User.generate("broker");
        String plain = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + broker.name()
                + "\" password=\"" + broker.password() + "\" user_" + broker.name() + "=\"" + broker.password() + "\";";
        String clients = CLIENTS.toLowerCase(Locale.ROOT);
        KafkaClusterTestKit.Builder builder = builder(dir)
                // The test kit sets listeners and their protocols only where these leave them unset. Its own
                // SASL set-up (PLAIN for every client, a JAAS file named by a JVM-wide system property) stays
                // out: its nodes' protocols are left at PLAINTEXT.
                .setConfigProp(
                        "listeners",
                        CLIENTS + "://localhost:0," + INTERNAL + "://localhost:0," + CONTROLLER + "://localhost:0")
                .setConfigProp(
                        "listener.security.protocol.map",
                        CLIENTS + ":SASL_SSL," + INTERNAL + ":SASL_PLAINTEXT," + CONTROLLER + ":SASL_PLAINTEXT")
                .setConfigProp("inter.broker.listener.name", INTERNAL)
                .setConfigProp("sasl.mechanism.inter.broker.protocol", "PLAIN")
                .setConfigProp("sasl.mechanism.controller.protocol", "PLAIN")
                .setConfigProp("listener.name." + clients + ".sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .setConfigProp(
                        "listener.name." + clients + ".scram-sha-512.sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required;")
                .setConfigProp("listener.name." + clients + ".ssl.keystore.type", "PEM")
                .setConfigProp("listener.name." + clients + ".ssl.keystore.location", keyStore.toString())
                .setConfigProp("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .setConfigProp("allow.everyone.if.no.acl.found", "false")
                .setConfigProp("super.users", "User:" + broker.name());
        for (String listener : List.of(INTERNAL, CONTROLLER)) {
            String prefix = "listener.name." + listener.toLowerCase(Locale.ROOT) + ".";
            builder.setConfigProp(prefix + "sasl.enabled.mechanisms", "PLAIN")
                    .setConfigProp(prefix + "plain.sasl.jaas.config", plain);
        }
        KafkaClusterTestKit cluster = builder.build();
        start(cluster);
        int internalPort = cluster.brokers().values().iterator().next().boundPort(ListenerName.normalised(INTERNAL));
        Properties admin = new Properties();
        admin.put("bootstrap.servers", "localhost:" + internalPort);
        admin.put("security.protocol", "SASL_PLAINTEXT");
        admin.put("sasl.mechanism", "PLAIN");
        admin.put(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + broker.name()
                        + "\" password=\"" + broker.password() + "\";");
        return new EmbeddedKafka(cluster, new KafkaSecurity(cluster.bootstrapServers(), ca, admin));
    }

    private static KafkaClusterTestKit.Builder builder(Path dir) throws Exception {
        return new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
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
                .setConfigProp("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
    }

    private static void start(KafkaClusterTestKit cluster) throws Exception {
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
    }

    /** Where clients connect: open to anyone, or (a secured broker) SASL_SSL with SCRAM-SHA-512. */
    public String bootstrapServers() {
        return cluster.bootstrapServers();
    }

    /**
     * The secured broker's users and ACLs, and the client properties of its users.
     *
     * @throws IllegalStateException for a broker open to anyone
     */
    public KafkaSecurity security() {
        if (security == null) {
            throw new IllegalStateException("this broker is open to anyone: start it with startSecured");
        }
        return security;
    }

    /** Creates topics, each with the given number of partitions. */
    public void createTopics(Map<String, Integer> partitions) throws Exception {
        try (Admin admin = admin()) {
            List<NewTopic> topics = new ArrayList<>();
            partitions.forEach((name, n) -> topics.add(new NewTopic(name, n, (short) 1)));
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** An admin client allowed everything: of a secured broker, its super user's. */
    public Admin admin() {
        return Admin.create(adminProperties());
    }

    /** The client properties of {@link #admin()}, for the sandbox's own chores (it may do anything). */
    public Properties adminProperties() {
        if (security != null) {
            return security.adminProperties();
        }
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers());
        return p;
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}
