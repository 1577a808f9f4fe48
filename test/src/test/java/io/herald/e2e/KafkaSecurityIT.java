package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.herald.job.HeraldJob;
import io.herald.job.HeraldMain;
import io.herald.job.HeraldSources;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.config.HeraldConfig;
import io.herald.model.StatusKind;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.HeraldAcls;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.KafkaSecurity;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.provider.DirectoryConfigProvider;
import org.apache.kafka.common.config.provider.FileConfigProvider;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka security end to end, on a real broker that takes SASL_SSL with SCRAM-SHA-512 only and allows
 * nothing but what ACLs allow (README, "Kafka security"). The job runs as {@code herald-job} with its
 * ACLs, its password in a file that Kafka's FileConfigProvider reads; devices come from {@code
 * device-producer}, which may write the devices topic only; the CLI, as a process, creates and fires
 * a campaign as {@code herald-operator}, with the same kind of properties, and every device gets it
 * once, counted at the emulators; started again from a savepoint taken before the fire, the job
 * reads what it wrote (campaign-status, answers) and skips the finished campaign. Then the broker refuses: {@code
 * intruder} (valid credentials, no ACL) writing to campaigns, and nothing more reaches a phone; a
 * wrong password; a plaintext client; the CLI with no credentials, saying why. No password is in the
 * job graph or the logs. A JVM that restricts Kafka's config providers must allow
 * FileConfigProvider, or clients fail as they are made.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class KafkaSecurityIT {
    private static final Duration WAIT = Duration.ofMinutes(2);
    /** Kafka's JVM-wide allow-list of config providers (unset: every provider is allowed). */
    private static final String AUTOMATIC_CONFIG_PROVIDERS = "org.apache.kafka.automatic.config.providers";

    @TempDir
    Path dir;

    @Test
    void onlyPrincipalsWithAclsGetInAndTheCampaignReachesEveryDeviceOnce() throws Exception {
        assertThat(System.getProperty(AUTOMATIC_CONFIG_PROVIDERS))
                .as("Kafka's default: every config provider allowed")
                .isNull();
        // Kafka logs every client's configuration, and its clients their connections, at INFO
        // (herald-log4j2.xml keeps Kafka at WARN): a password there would be in the log the test searches.
        Configurator.setLevel(
                Map.of("org.apache.kafka.common.config", Level.INFO, "org.apache.kafka.clients", Level.INFO));
        List<HeraldCli.Run> runs = new ArrayList<>();
        try (Sandbox sandbox = Sandbox.startSecured(dir.resolve("sandbox"), 2)) {
            KafkaSecurity security = sandbox.kafka().security();
            HeraldConfig config = sandbox.config();
            String campaigns = config.topics.campaigns;
            KafkaSecurity.User job = security.createUser("herald-job");
            KafkaSecurity.User operator = security.createUser("herald-operator");
            KafkaSecurity.User deviceProducer = security.createUser("device-producer");
            KafkaSecurity.User intruder = security.createUser("intruder");
            security.allow(HeraldAcls.job(config, job.name()));
            security.allow(HeraldAcls.operator(config, operator.name()));
            security.allow(HeraldAcls.deviceProducer(config, deviceProducer.name()));

            // The job's and the CLI's properties name their password files; the passwords are in no configuration.
            Path secrets = dir.resolve("kafka-secrets");
            config.kafka.properties = security.deploymentProperties(job, secrets);
            Path operatorConfig =
                    writeConfig(config, security.deploymentProperties(operator, secrets), "herald-operator.yaml");
            assertThat(Files.readString(operatorConfig)).contains("${file:").doesNotContain(operator.password());

            SyntheticUsers users = SyntheticUsers.generate(300, 7, 0);
            users.registerWith(sandbox);
            config.replay.clockSkewMs = 0; // the test's records are seconds old, not minutes
            Path log = Path.of(System.getProperty("herald.logFile"));
            long logStart = Files.exists(log) ? Files.size(log) : 0; // the file is appended to, run after run
            JobClient running = HeraldMain.startEmbedded(config, 0, null);
            try (KafkaIO devices = new KafkaIO(security.clientProperties(deviceProducer));
                    KafkaIO admin = new KafkaIO(sandbox.kafka().adminProperties())) {
                assertThat(users.load(sandbox, devices, admin, WAIT, b -> {}))
                        .as("the job, as herald-job, read every device")
                        .isTrue();

                // The CLI, as herald-operator: create; a savepoint; fire, and watch to the end.
                Path campaignFile = dir.resolve("secured.json");
                Files.writeString(
                        campaignFile,
                        new String(DemoCampaign.create("secured", DemoCampaign.ALL), StandardCharsets.UTF_8)
                                .replace("\"type\":\"create\",", ""));
                HeraldCli.Run created =
                        cli(runs, "campaign", "create", campaignFile.toString(), "--config", operatorConfig.toString());
                assertThat(created.code()).as(created.out()).isZero();
                assertThat(created.out()).contains("secured: accepted");
                String savepoint = running.triggerSavepoint(
                                dir.resolve("savepoints").toUri().toString(), SavepointFormatType.CANONICAL)
                        .get();
                HeraldCli.Run fired = cli(runs, "campaign", "fire", "secured", "--config", operatorConfig.toString());
                assertThat(fired.code()).as(fired.out()).isZero();
                assertThat(fired.out()).contains("secured: fired").contains("Campaign secured: done");
                EmulatorCounts counts = EmulatorCounts.of(users, sandbox, 1);
                assertThat(counts.exact()).as("%s", counts).isTrue();
                assertThat(counts.expected).isPositive();

                // Started again from the savepoint taken before the fire, the job reads the fire again, and what
                // earlier runs wrote (campaign-status, answers) to know that the campaign finished: skipped.
                running.cancel().get();
                running = null;
                running = HeraldMain.startEmbedded(config, 0, savepoint);
                CampaignWatcher again = admin.watch("secured", config.topics.receipts, config.topics.campaignStatus);
                assertThat(again.awaitUntil(
                                WAIT,
                                () -> {},
                                () -> !again.statuses(StatusKind.SKIPPED).isEmpty()))
                        .as(
                                "the restored job, as herald-job, read the fire and the earlier run's records: %s",
                                again.statuses())
                        .isTrue();
                assertThat(again.statuses(StatusKind.SKIPPED)
                                .get(0)
                                .path("error")
                                .asText())
                        .contains("finished by an earlier run");
                again.close();
                EmulatorCounts afterRestore = EmulatorCounts.of(users, sandbox, 1);
                assertThat(afterRestore.exact()).as("%s", afterRestore).isTrue();
                long received = sandbox.received();

                // intruder authenticates, but no ACL lets it write to campaigns: the broker refuses the record.
                long campaignRecords = records(admin, campaigns);
                try (KafkaProducer<String, byte[]> p = producer(security.clientProperties(intruder))) {
                    for (byte[] record :
                            List.of(DemoCampaign.create("intruded", DemoCampaign.ALL), DemoCampaign.fire("intruded"))) {
                        assertThatThrownBy(() -> p.send(new ProducerRecord<>(campaigns, "intruded", record))
                                        .get(30, TimeUnit.SECONDS))
                                .isInstanceOf(ExecutionException.class)
                                .cause()
                                .isInstanceOf(TopicAuthorizationException.class)
                                .hasMessageContaining(campaigns);
                    }
                }
                assertThat(records(admin, campaigns))
                        .as("nothing of intruder's in campaigns")
                        .isEqualTo(campaignRecords);
                // Five of the job's checkpoints: a campaign it took would have reached phones by now.
                long quietUntil = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (System.nanoTime() < quietUntil) {
                    assertThat(sandbox.received())
                            .as("nothing more reached a phone")
                            .isEqualTo(received);
                    Thread.sleep(200);
                }

                // A wrong password: refused at authentication.
                try (KafkaConsumer<byte[], byte[]> c =
                        consumer(security.clientProperties(operator.withPassword("not-" + operator.password())))) {
                    assertThatThrownBy(() -> c.partitionsFor(config.topics.campaignStatus, Duration.ofSeconds(30)))
                            .isInstanceOf(SaslAuthenticationException.class);
                }
                // A plaintext client: the listener speaks TLS only, so it never gets an answer; the operator,
                // with its properties, reads the same topic's partitions at once.
                Properties plaintext = new Properties();
                plaintext.put("bootstrap.servers", sandbox.kafka().bootstrapServers());
                try (KafkaConsumer<byte[], byte[]> c = consumer(plaintext)) {
                    assertThatThrownBy(() -> c.partitionsFor(config.topics.campaignStatus, Duration.ofSeconds(5)))
                            .isInstanceOf(TimeoutException.class);
                }
                try (KafkaConsumer<byte[], byte[]> c = consumer(security.clientProperties(operator))) {
                    assertThat(c.partitionsFor(config.topics.campaignStatus, Duration.ofSeconds(30)))
                            .hasSize(3);
                }

                // The CLI with the listener's settings but no credentials: refused before anything is
                // written, saying what is missing.
                Path lacking = writeConfig(config, security.withoutCredentials(), "no-credentials.yaml");
                HeraldCli.Run refused = cli(runs, "campaign", "fire", "secured", "--config", lacking.toString());
                assertThat(refused.code()).as(refused.out()).isNotZero();
                assertThat(refused.err()).contains("Could not find a 'KafkaClient' entry in the JAAS configuration");
                assertThat(records(admin, campaigns)).isEqualTo(campaignRecords);
            } finally {
                if (running != null) {
                    running.cancel().get();
                }
            }

            // No password in the job graph: the job's Kafka properties are there, with the placeholder.
            String graph = jobGraph(config);
            assertThat(graph).contains("${file:" + secrets.toAbsolutePath().resolve("herald-job.properties"));
            assertThat(graph).doesNotContain(job.password());
            // Nor in any log: this JVM's (the job's, the broker's, the test's clients'), with every Kafka client's
            // configuration in it, and the CLI's, and what the CLI printed.
            Map<String, String> places = new LinkedHashMap<>();
            byte[] logBytes = Files.readAllBytes(log);
            String jvmLog =
                    new String(logBytes, (int) logStart, logBytes.length - (int) logStart, StandardCharsets.ISO_8859_1);
            assertThat(jvmLog)
                    .as("the Kafka clients' configurations were logged")
                    .contains("sasl.mechanism = SCRAM-SHA-512")
                    .contains("sasl.jaas.config = [hidden]");
            places.put("this JVM's log", jvmLog);
            places.put("the CLI's log", Files.readString(dir.resolve("cli.log"), StandardCharsets.ISO_8859_1));
            for (HeraldCli.Run r : runs) {
                places.put("the CLI's output", places.getOrDefault("the CLI's output", "") + r.out() + r.err());
            }
            for (Map.Entry<String, String> place : places.entrySet()) {
                for (KafkaSecurity.User user : List.of(job, operator, deviceProducer, intruder)) {
                    assertThat(place.getValue())
                            .as("%s's password in %s", user.name(), place.getKey())
                            .doesNotContain(user.password());
                }
            }

            // Kafka's JVM-wide allow-list of config providers: one that names FileConfigProvider works, one
            // that does not fails as the client is made, naming the property.
            Properties jobClient = new Properties();
            jobClient.put("bootstrap.servers", sandbox.kafka().bootstrapServers());
            jobClient.putAll(config.kafka.properties);
            try {
                System.setProperty(AUTOMATIC_CONFIG_PROVIDERS, FileConfigProvider.class.getName());
                try (KafkaConsumer<byte[], byte[]> c = consumer(jobClient)) {
                    assertThat(c.partitionsFor(campaigns, Duration.ofSeconds(30)))
                            .hasSize(1);
                }
                System.setProperty(AUTOMATIC_CONFIG_PROVIDERS, DirectoryConfigProvider.class.getName());
                assertThatThrownBy(() -> consumer(jobClient))
                        .isInstanceOf(ConfigException.class)
                        .hasMessageContaining(AUTOMATIC_CONFIG_PROVIDERS);
            } finally {
                System.clearProperty(AUTOMATIC_CONFIG_PROVIDERS);
            }
        } finally {
            Configurator.setLevel(
                    Map.of("org.apache.kafka.common.config", Level.WARN, "org.apache.kafka.clients", Level.WARN));
        }
    }

    /** The CLI as a process, its run kept for the search for passwords. */
    private HeraldCli.Run cli(List<HeraldCli.Run> runs, String... args) throws Exception {
        HeraldCli.Run r = HeraldCli.run(dir, args);
        runs.add(r);
        return r;
    }

    /** {@code config} as a YAML file for the CLI, with these {@code kafka.properties}. */
    private Path writeConfig(HeraldConfig config, Map<String, String> kafkaProperties, String name) throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        ObjectNode tree = yaml.valueToTree(config);
        ((ObjectNode) tree.get("kafka")).set("properties", yaml.valueToTree(kafkaProperties));
        Path file = dir.resolve(name);
        yaml.writeValue(file.toFile(), tree);
        return file;
    }

    /** The job graph {@code config} makes, serialized as it goes to the cluster, as text. */
    private static String jobGraph(HeraldConfig config) throws Exception {
        HeraldJob job = new HeraldJob(config);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(job.flinkConfiguration());
        job.build(env, HeraldSources.kafka(config));
        JobGraph graph = env.getStreamGraph().getJobGraph();
        return new String(InstantiationUtil.serializeObject(graph), StandardCharsets.ISO_8859_1);
    }

    /** How many offsets {@code topic}'s partitions hold (records and transaction markers), read as the super user. */
    private static long records(KafkaIO admin, String topic) {
        try (KafkaConsumer<byte[], byte[]> c = admin.consumer(List.of())) {
            List<TopicPartition> partitions = c.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            return c.endOffsets(partitions).values().stream()
                    .mapToLong(Long::longValue)
                    .sum();
        }
    }

    private static KafkaConsumer<byte[], byte[]> consumer(Properties client) {
        Properties p = new Properties();
        p.putAll(client);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static KafkaProducer<String, byte[]> producer(Properties client) {
        Properties p = new Properties();
        p.putAll(client);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
}
