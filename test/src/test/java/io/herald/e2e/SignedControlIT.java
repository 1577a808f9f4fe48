package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.auth.ControlSignature;
import io.herald.auth.SigningKey;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.config.HeraldConfig;
import io.herald.job.config.SigningKeyFiles;
import io.herald.model.StatusKind;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.EmulatorCounts;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An app that takes signed control records only, on the real broker, job and emulators, with the CLI
 * as a process signing with a key file: unsigned records, a key the deployment does not know, a
 * record changed after it was signed and a signed record written again are refused on
 * campaign-status saying why, and nothing reaches a phone; the app requires approval, so a fire
 * waits for another principal's approval of the content as it is (not its creator's, and again after
 * an edit); records signed with either of a principal's two keys (a rotation) go, and the campaign
 * reaches every device once.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SignedControlIT {
    private static final Duration WAIT = Duration.ofMinutes(2);

    @TempDir
    Path dir;

    private Path keyFile(String name, String keyId) throws Exception {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        Path file = dir.resolve(name + ".json");
        Files.writeString(
                file,
                "{\"keyId\":\"" + keyId + "\",\"secret\":\""
                        + Base64.getEncoder().encodeToString(secret) + "\"}");
        return file;
    }

    private static HeraldConfig.KeyFile known(String principal, Path file) {
        HeraldConfig.KeyFile k = new HeraldConfig.KeyFile();
        k.principal = principal;
        k.file = file.toString();
        return k;
    }

    @Test
    void onlySignedRecordsOfKnownKeysGoAndEachGoesOnce() throws Exception {
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            Path aliceOld = keyFile("alice-2026", "alice-2026");
            Path aliceNew = keyFile("alice-2027", "alice-2027");
            Path stranger = keyFile("mallory", "mallory-1");
            Path bob = keyFile("bob", "bob-1");
            HeraldConfig config = sandbox.config();
            config.apps.get(0).requireSigned = true;
            config.apps.get(0).requireApproval = true;
            config.signing.keys = List.of(known("alice", aliceOld), known("alice", aliceNew), known("bob", bob));
            config.check();
            String campaigns = config.topics.campaigns;
            String configFile = sandbox.configFile().toString();
            SyntheticUsers users = SyntheticUsers.generate(300, 7, 0);
            users.registerWith(sandbox);
            JobClient job = HeraldMain.startEmbedded(config, 0, null);
            try (KafkaProducer<byte[], byte[]> raw = producer(kafka)) {
                assertThat(users.load(sandbox, kafka, WAIT, b -> {})).isTrue();
                CampaignWatcher w = kafka.watch("signed", config.topics.receipts, config.topics.campaignStatus);

                // Unsigned: refused, saying why.
                kafka.send(campaigns, "signed", DemoCampaign.create("signed", DemoCampaign.ALL));
                kafka.flush();
                assertThat(awaitRejection(w, 1))
                        .isEqualTo("create refused: unsigned record: apps.herald-demo.requireSigned");

                // Signed by the CLI with alice's current key: accepted.
                Path campaignFile = dir.resolve("signed.json");
                Files.write(campaignFile, campaignJson());
                HeraldCli.Run created = HeraldCli.run(
                        dir,
                        "campaign",
                        "create",
                        campaignFile.toString(),
                        "--config",
                        configFile,
                        "--signing-key",
                        aliceOld.toString());
                assertThat(created.code()).as(created.out()).isZero();
                assertThat(created.out()).contains("signed: accepted");

                // An unsigned fire, a fire signed with a key the deployment does not know, and a signed
                // fire changed after signing (its audience confirmation added): each refused.
                kafka.send(campaigns, "signed", DemoCampaign.fire("signed"));
                kafka.flush();
                assertThat(awaitRejection(w, 2))
                        .isEqualTo("fire refused: unsigned record: apps.herald-demo.requireSigned");
                send(
                        raw,
                        campaigns,
                        "signed",
                        DemoCampaign.fire("signed"),
                        SigningKeyFiles.read(stranger, "mallory"),
                        false);
                assertThat(awaitRejection(w, 3)).isEqualTo("fire refused: signed with unknown key 'mallory-1'");
                send(
                        raw,
                        campaigns,
                        "signed",
                        DemoCampaign.fire("signed"),
                        SigningKeyFiles.read(aliceOld, "alice"),
                        true);
                assertThat(awaitRejection(w, 4)).isEqualTo("fire refused: bad signature (key 'alice-2026')");
                w.poll(Duration.ofSeconds(2));
                assertThat(sandbox.received()).as("nothing reached a phone").isZero();
                assertThat(w.statuses(StatusKind.FIRED)).isEmpty();

                // Approval: not by its creator; by bob, of the content as accepted; an edit after it needs
                // another before the campaign fires.
                HeraldCli.Run own = cli(dir, configFile, aliceNew, "campaign", "approve", "signed");
                assertThat(own.code()).as(own.out()).isEqualTo(1);
                assertThat(own.out()).contains("approve refused: by its creator alice: another principal must approve");
                HeraldCli.Run approved = cli(dir, configFile, bob, "campaign", "approve", "signed");
                assertThat(approved.code()).as(approved.out()).isZero();
                assertThat(approved.out()).contains("signed: approved").contains("approved by bob");
                Files.writeString(campaignFile, Files.readString(campaignFile).replace("Hi {name}!", "Hey {name}!"));
                HeraldCli.Run edited = cli(dir, configFile, aliceOld, "campaign", "create", campaignFile.toString());
                assertThat(edited.code()).as(edited.out()).isZero();
                HeraldCli.Run unapproved = cli(dir, configFile, aliceNew, "campaign", "fire", "signed");
                assertThat(unapproved.code()).as(unapproved.out()).isEqualTo(1);
                assertThat(unapproved.out()).contains("fire refused: not approved (apps.herald-demo.requireApproval)");
                assertThat(cli(dir, configFile, bob, "campaign", "approve", "signed")
                                .code())
                        .isZero();
                assertThat(sandbox.received())
                        .as("nothing reached a phone before the approval")
                        .isZero();

                // Fired by the CLI with alice's new key (both are valid while one replaces the other).
                HeraldCli.Run fired = HeraldCli.run(
                        dir,
                        "campaign",
                        "fire",
                        "signed",
                        "--config",
                        configFile,
                        "--signing-key",
                        aliceNew.toString());
                assertThat(fired.code()).as(fired.out()).isZero();
                assertThat(fired.out()).contains("signed: fired").contains("Campaign signed: done");
                EmulatorCounts counts = EmulatorCounts.of(users, sandbox, 1);
                assertThat(counts.exact()).as("%s", counts).isTrue();

                // The app paused and resumed by signed records; the pause record written again, headers
                // and all, is refused as replayed, and the app stays resumed.
                CampaignWatcher app = kafka.watch(Sandbox.APP_ID, config.topics.receipts, config.topics.campaignStatus);
                for (String command : List.of("pause", "resume")) {
                    HeraldCli.Run r = HeraldCli.run(
                            dir,
                            "app",
                            command,
                            Sandbox.APP_ID,
                            "--config",
                            configFile,
                            "--signing-key",
                            aliceNew.toString());
                    assertThat(r.code()).as(r.out()).isZero();
                }
                ConsumerRecord<byte[], byte[]> pause = kafka.readAll(campaigns, Duration.ofSeconds(2)).stream()
                        .filter(r -> new String(r.value(), StandardCharsets.UTF_8).contains("\"pause\""))
                        .filter(r -> r.headers().lastHeader(ControlSignature.MAC_HEADER) != null)
                        .reduce((a, b) -> b)
                        .orElseThrow();
                ProducerRecord<byte[], byte[]> again = new ProducerRecord<>(campaigns, pause.key(), pause.value());
                for (Header h : pause.headers()) {
                    again.headers().add(h);
                }
                raw.send(again).get();
                assertThat(app.awaitUntil(
                                WAIT,
                                () -> {},
                                () -> !app.statuses(StatusKind.REJECTED).isEmpty()))
                        .as("the pause written again is answered")
                        .isTrue();
                assertThat(app.rejection()).startsWith("pause refused: replayed record: nonce ");
                assertThat(app.statuses(StatusKind.PAUSED)).hasSize(1);
                assertThat(app.statuses(StatusKind.RESUMED)).hasSize(1);

                // The app's history, in order: every record, who signed it, and what became of it.
                HeraldCli.Run audit = HeraldCli.run(dir, "audit", "--app", Sandbox.APP_ID, "--config", configFile);
                assertThat(audit.code()).as(audit.out()).isZero();
                assertThat(audit.out())
                        .containsPattern("create +signed +no known signer: refused, unsigned record: apps.herald-demo"
                                + ".requireSigned")
                        .containsPattern("create +signed +signed by alice \\(key alice-2026\\): taken")
                        .contains("-> signed accepted")
                        .contains("no known signer: refused, signed with unknown key 'mallory-1'")
                        .containsPattern("approve +signed +signed by alice \\(key alice-2027\\): refused, by its"
                                + " creator alice")
                        .containsPattern("approve +signed +signed by bob \\(key bob-1\\): taken")
                        .contains("-> signed approved by bob")
                        .containsPattern("fire +signed +signed by alice \\(key alice-2027\\): taken")
                        .contains("-> signed fired")
                        .containsPattern(
                                "pause +\\(the app\\) +signed by alice \\(key alice-2027\\): refused, replayed");
                // In order: alice's create before bob's approval before the fire.
                assertThat(audit.out().indexOf("approved by bob"))
                        .isGreaterThan(audit.out().indexOf("-> signed accepted"))
                        .isLessThan(audit.out().indexOf("-> signed fired"));
                w.close();
                app.close();
            } finally {
                job.cancel().get();
            }
        }
    }

    /** The CLI as a process, signing with {@code key}. */
    private static HeraldCli.Run cli(Path dir, String config, Path key, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--config", config, "--signing-key", key.toString()));
        return HeraldCli.run(dir, all.toArray(String[]::new));
    }

    /** Waits for the campaign's {@code n}th rejection, and returns its error. */
    private static String awaitRejection(CampaignWatcher w, int n) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (w.statuses(StatusKind.REJECTED).size() < n && System.nanoTime() < deadline) {
            w.poll(Duration.ofMillis(100));
        }
        assertThat(w.statuses(StatusKind.REJECTED)).as("rejections").hasSizeGreaterThanOrEqualTo(n);
        return w.statuses(StatusKind.REJECTED).get(n - 1).path("error").asText();
    }

    private static byte[] campaignJson() {
        // A campaign file holds the create record's fields but its type.
        return new String(DemoCampaign.create("signed", DemoCampaign.ALL), StandardCharsets.UTF_8)
                .replace("\"type\":\"create\",", "")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaIO kafka) {
        Properties p = new Properties();
        p.putAll(kafka.properties());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    /** Writes {@code value} signed with {@code key}; if {@code changeAfter}, with a field added after signing. */
    private static void send(
            KafkaProducer<byte[], byte[]> producer,
            String topic,
            String campaignId,
            byte[] value,
            SigningKey key,
            boolean changeAfter)
            throws Exception {
        byte[] k = campaignId.getBytes(StandardCharsets.UTF_8);
        ControlSignature s =
                key.sign(k, value, System.currentTimeMillis(), UUID.randomUUID().toString());
        byte[] written = value;
        if (changeAfter) {
            String json = new String(value, StandardCharsets.UTF_8);
            written = (json.substring(0, json.lastIndexOf('}')) + ",\"confirmAudience\":100000000}")
                    .getBytes(StandardCharsets.UTF_8);
        }
        ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(topic, k, written);
        for (Map.Entry<String, String> h : s.headers().entrySet()) {
            r.headers().add(h.getKey(), h.getValue().getBytes(StandardCharsets.UTF_8));
        }
        producer.send(r).get();
    }
}
