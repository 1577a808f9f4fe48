package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.config.HeraldConfig;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.StandaloneFlink;
import io.herald.sandbox.SyntheticUsers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets stay in their files: the job runs on a real multi-process cluster with the sandbox's APNs
 * key, FCM token, VAPID private key and a signing key, a signed campaign goes out to every device, and then every log
 * (the JobManager's, the TaskManagers', the CLI's), every record of every topic (keys, values,
 * headers), the job graph and the REST API's job and cluster configuration are searched for each
 * secret: none is found. The search itself is checked to find a secret where one is.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SecretsIT {
    private static final Duration WAIT = Duration.ofMinutes(3);

    @TempDir
    Path dir;

    @Test
    void noSecretInAnyLogTopicJobGraphOrRestAnswer() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers());
                StandaloneFlink flink = StandaloneFlink.start(dir.resolve("flink"), 1, 4)) {
            HeraldConfig config = sandbox.config();
            byte[] signingSecret = new byte[32];
            new SecureRandom().nextBytes(signingSecret);
            Path key = dir.resolve("ops.json");
            Files.writeString(
                    key,
                    "{\"keyId\":\"ops-1\",\"secret\":\"" + Base64.getEncoder().encodeToString(signingSecret) + "\"}");
            byte[] jobSecret = new byte[32];
            new SecureRandom().nextBytes(jobSecret);
            Path jobKey = dir.resolve("job.json");
            Files.writeString(
                    jobKey,
                    "{\"keyId\":\"job-1\",\"secret\":\"" + Base64.getEncoder().encodeToString(jobSecret) + "\"}");
            HeraldConfig.KeyFile k = new HeraldConfig.KeyFile();
            k.principal = "ops";
            k.file = key.toString();
            HeraldConfig.KeyFile j = new HeraldConfig.KeyFile();
            j.principal = "herald";
            j.file = jobKey.toString();
            config.signing.keys = List.of(k, j);
            config.signing.jobKeyId = "job-1";
            config.apps.get(0).requireSigned = true;
            Path configFile = dir.resolve("herald.yaml");
            new ObjectMapper(new YAMLFactory()).writeValue(configFile.toFile(), config);

            // What must never leave the files: the APNs key's body, the FCM token, the VAPID private key,
            // the signing secret.
            Map<String, String> secrets = new LinkedHashMap<>();
            String p8 = Files.readString(Path.of(config.apps.get(0).apns.keyFile));
            String apnsBody = p8.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            secrets.put("APNs key", apnsBody);
            secrets.put("APNs key, first line", p8.lines().skip(1).findFirst().orElseThrow());
            secrets.put(
                    "FCM token",
                    Files.readString(Path.of(config.apps.get(0).fcm.accessTokenFile))
                            .trim());
            secrets.put(
                    "VAPID private key",
                    Files.readString(Path.of(config.apps.get(0).webPush.vapidPrivateKeyFile))
                            .trim());
            secrets.put("signing secret", Base64.getEncoder().encodeToString(signingSecret));
            secrets.put(
                    "signing secret, URL-safe",
                    Base64.getUrlEncoder().withoutPadding().encodeToString(signingSecret));
            secrets.put("the job's signing secret", Base64.getEncoder().encodeToString(jobSecret));

            Path jar = StandaloneFlink.jobJar(Path.of("..", "job"));
            String jobId =
                    flink.submit(jar, "io.herald.job.HeraldMain", null, List.of("--config", configFile.toString()));
            flink.awaitAllRunning(jobId, Duration.ofMinutes(2));
            SyntheticUsers users = SyntheticUsers.generate(200, 11, 0);
            users.registerWith(sandbox);
            assertThat(users.load(sandbox, kafka, WAIT, b -> {})).isTrue();
            Path campaign = dir.resolve("c.json");
            Files.writeString(
                    campaign,
                    new String(DemoCampaign.create("secret-check", DemoCampaign.ALL), StandardCharsets.UTF_8)
                            .replace("\"type\":\"create\",", ""));
            for (List<String> args : List.of(
                    List.of("campaign", "create", campaign.toString()), List.of("campaign", "fire", "secret-check"))) {
                List<String> all = new ArrayList<>(args);
                all.addAll(List.of("--config", configFile.toString(), "--signing-key", key.toString()));
                HeraldCli.Run r = HeraldCli.run(dir, all.toArray(String[]::new));
                assertThat(r.code()).as(r.out()).isZero();
            }
            CampaignWatcher w = kafka.watch("secret-check", config.topics.receipts, config.topics.campaignStatus);
            assertThat(w.awaitDone(WAIT, () -> {})).isTrue();
            assertThat(sandbox.received()).isPositive();

            // Everything a person or a process could read, as text.
            Map<String, String> places = new LinkedHashMap<>();
            try (Stream<Path> files = Files.walk(flink.logs())) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    places.put(
                            "log " + f.getFileName(), new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
                }
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".log"))
                        .toList()) {
                    places.put("CLI log " + f.getFileName(), Files.readString(f));
                }
            }
            List<String> topics = List.of(
                    config.topics.devices,
                    config.topics.audiences,
                    config.topics.campaigns,
                    config.topics.receipts,
                    config.topics.deadLetters,
                    config.topics.campaignStatus,
                    config.topics.answers,
                    config.topics.interactions);
            Map<String, StringBuilder> texts = new LinkedHashMap<>();
            topics.forEach(t -> texts.put(t, new StringBuilder()));
            for (ConsumerRecord<byte[], byte[]> r : kafka.readAll(topics, Duration.ofSeconds(2))) {
                StringBuilder text = texts.get(r.topic());
                text.append(r.key() == null ? "" : new String(r.key(), StandardCharsets.ISO_8859_1))
                        .append('\n');
                text.append(r.value() == null ? "" : new String(r.value(), StandardCharsets.ISO_8859_1))
                        .append('\n');
                for (Header h : r.headers()) {
                    text.append(h.key()).append('=').append(new String(h.value(), StandardCharsets.ISO_8859_1));
                }
            }
            texts.forEach((topic, text) -> places.put("topic " + topic, text.toString()));
            for (String path : List.of(
                    "/jobs/" + jobId,
                    "/jobs/" + jobId + "/plan",
                    "/jobs/" + jobId + "/config",
                    "/jobmanager/config",
                    "/taskmanagers",
                    "/overview")) {
                JsonNode answer = flink.rest(path);
                places.put("REST " + path, answer.toString());
            }
            assertThat(places.get("topic " + config.topics.receipts))
                    .as("receipts were read")
                    .contains("secret-check");
            assertThat(places.get("REST /jobs/" + jobId + "/plan"))
                    .as("the job graph was read")
                    .contains("nodes");
            assertThat(places.keySet().stream()
                            .filter(p -> p.startsWith("log "))
                            .count())
                    .as("the cluster's logs were read")
                    .isGreaterThanOrEqualTo(2);

            // The search finds a secret where there is one.
            assertThat(found(Map.of("the key file", Files.readString(key)), secrets))
                    .isNotEmpty();
            List<String> leaks = found(places, secrets);
            System.out.printf(
                    "Searched %d places (%,d characters) for %d secrets: %s%n",
                    places.size(),
                    places.values().stream().mapToLong(String::length).sum(),
                    secrets.size(),
                    leaks.isEmpty() ? "none found" : leaks);
            assertThat(leaks).as("secrets found outside their files").isEmpty();
        } finally {
            StandaloneFlink.keepLogs(
                    dir.resolve("flink"), Path.of("target", "it-logs", SecretsIT.class.getSimpleName()));
        }
    }

    private static List<String> found(Map<String, String> places, Map<String, String> secrets) {
        List<String> leaks = new ArrayList<>();
        places.forEach((place, text) -> secrets.forEach((name, secret) -> {
            if (text.contains(secret)) {
                leaks.add(name + " in " + place);
            }
        }));
        return leaks;
    }
}
