package io.herald.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.herald.apns.ApnsApp;
import io.herald.fcm.FcmApp;
import io.herald.job.config.HeraldConfig;
import io.herald.model.Platform;
import io.herald.webpush.VapidKeys;
import io.herald.webpush.WebPushApp;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Everything Herald talks to, on this machine: a Kafka broker with Herald's topics, the APNs (with
 * its Live Activity channels and broadcasts, {@link ApnsChannelService}), FCM and web push
 * emulators with fresh credentials, and a {@link HeraldConfig} pointing the job at them. The APNs
 * signing key, the FCM token and the VAPID private key are made new each time and written only to
 * the sandbox's folder.
 */
public final class Sandbox implements AutoCloseable {
    public static final String APP_ID = "herald-demo";
    public static final String BUNDLE_ID = "io.herald.demo";
    public static final String TEAM_ID = "HERALDTEAM";
    public static final String KEY_ID = "HERALDKEY1";
    public static final String FCM_PROJECT = "herald-sandbox";
    /** The sandbox app's VAPID subject (RFC 8292): where a push service would reach its sender. */
    public static final String VAPID_SUBJECT = "mailto:push@herald.invalid";

    private final Path dir;
    private final EmbeddedKafka kafka;
    private final ApnsEmulator apns;
    private final FcmEmulator fcm;
    private final WebPushEmulator web;
    private final HeraldConfig config;
    private final Path configFile;

    private Sandbox(
            Path dir,
            EmbeddedKafka kafka,
            ApnsEmulator apns,
            FcmEmulator fcm,
            WebPushEmulator web,
            HeraldConfig config,
            Path configFile) {
        this.dir = dir;
        this.kafka = kafka;
        this.apns = apns;
        this.fcm = fcm;
        this.web = web;
        this.config = config;
        this.configFile = configFile;
    }

    /** Starts the broker and both emulators under {@code dir}, with the job's parallelism. */
    public static Sandbox start(Path dir, int parallelism) throws Exception {
        return start(dir, parallelism, false);
    }

    /**
     * The same with a secured broker ({@link EmbeddedKafka#startSecured}: SASL_SSL with SCRAM, ACLs, TLS
     * from the sandbox's certificates). Its topics are made; its users and ACLs are the caller's
     * ({@link EmbeddedKafka#security()}), and so are {@code kafka.properties}: the configuration and
     * its file carry none, and a job or a CLI started on them does not get in.
     */
    public static Sandbox startSecured(Path dir, int parallelism) throws Exception {
        return start(dir, parallelism, true);
    }

    private static Sandbox start(Path dir, int parallelism, boolean secured) throws Exception {
        Files.createDirectories(dir);
        Path tls = Files.createDirectories(dir.resolve("tls"));
        Path ca = copyResource("sandbox-tls/ca.pem", tls);
        Path cert = copyResource("sandbox-tls/server.pem", tls);
        Path key = copyResource("sandbox-tls/server-key.pem", tls);
        Path secrets = Files.createDirectories(dir.resolve("secrets"));

        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair apnsKey = ec.generateKeyPair();
        Path p8 = writeSecret(
                secrets.resolve("AuthKey_" + KEY_ID + ".p8"),
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(apnsKey.getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
        byte[] tokenBytes = new byte[32];
        new SecureRandom().nextBytes(tokenBytes);
        String fcmToken =
                "ya29.sandbox-" + Base64.getUrlEncoder().withoutPadding().encodeToString(tokenBytes);
        Path fcmTokenFile = writeSecret(secrets.resolve("fcm-access-token"), fcmToken);
        VapidKeys vapid = VapidKeys.generate();
        Path vapidKeyFile = secrets.resolve("vapid-private-key");
        Files.deleteIfExists(vapidKeyFile);
        vapid.writePrivateKey(vapidKeyFile);

        EmbeddedKafka kafka = secured
                ? EmbeddedKafka.startSecured(dir.resolve("kafka"), ca, cert, key)
                : EmbeddedKafka.start(dir.resolve("kafka"));
        ApnsEmulator apns = ApnsEmulator.start(
                cert.toFile(),
                key.toFile(),
                BUNDLE_ID,
                TEAM_ID,
                KEY_ID,
                (ECPublicKey) apnsKey.getPublic(),
                new TokenRegistry());
        FcmEmulator fcm = FcmEmulator.start(cert.toFile(), key.toFile(), FCM_PROJECT, fcmToken, new TokenRegistry());
        WebPushEmulator web = WebPushEmulator.start(cert.toFile(), key.toFile(), new TokenRegistry());

        HeraldConfig config = new HeraldConfig();
        config.kafka.bootstrapServers = kafka.bootstrapServers();
        config.kafka.transactionalIdPrefix =
                "herald-" + UUID.randomUUID().toString().substring(0, 8);
        HeraldConfig.App app = new HeraldConfig.App();
        app.id = APP_ID;
        app.apns = new ApnsApp();
        app.apns.keyFile = p8.toString();
        app.apns.keyId = KEY_ID;
        app.apns.teamId = TEAM_ID;
        app.apns.topic = BUNDLE_ID;
        app.apns.host = "127.0.0.1";
        app.apns.port = apns.port();
        app.apns.trustedCertificateFile = ca.toString();
        app.apns.channelsHost = "127.0.0.1";
        app.apns.channelsPort = apns.channels().channelsPort();
        app.apns.broadcastHost = "127.0.0.1";
        app.apns.broadcastPort = apns.channels().broadcastPort();
        app.fcm = new FcmApp();
        app.fcm.projectId = FCM_PROJECT;
        app.fcm.accessTokenFile = fcmTokenFile.toString();
        app.fcm.endpoint = "https://127.0.0.1:" + fcm.port();
        app.fcm.trustedCertificateFile = ca.toString();
        app.webPush = new WebPushApp();
        app.webPush.vapidPrivateKeyFile = vapidKeyFile.toString();
        app.webPush.vapidPublicKey = vapid.publicKeyBase64Url();
        app.webPush.subject = VAPID_SUBJECT;
        app.webPush.trustedCertificateFile = ca.toString();
        // The sandbox's push service, and the browsers' (a configuration made here may be shown to one).
        app.webPush.pushServices.add(WebPushEmulator.HOST);
        config.apps.add(app);
        config.parallelism = parallelism;
        config.topics.interactions = "interactions";
        // Receipts and progress become visible when a checkpoint completes: every second here.
        config.checkpointing.intervalMs = 1000;
        config.checkpointing.directory = dir.resolve("checkpoints").toUri().toString();
        config.check();

        Map<String, Integer> topics = new LinkedHashMap<>();
        topics.put(config.topics.devices, 4);
        topics.put(config.topics.audiences, 4);
        topics.put(config.topics.campaigns, 1);
        topics.put(config.topics.receipts, 4);
        topics.put(config.topics.deadLetters, 1);
        // More than one, so that readers of one campaign's records find its partition as the job's producer does.
        topics.put(config.topics.campaignStatus, 3);
        topics.put(config.topics.answers, 4);
        topics.put(config.topics.interactions, 4);
        kafka.createTopics(topics);

        Path configFile = dir.resolve("herald.yaml");
        new ObjectMapper(new YAMLFactory()).writeValue(configFile.toFile(), config);
        return new Sandbox(dir, kafka, apns, fcm, web, config, configFile);
    }

    private static Path copyResource(String name, Path dir) throws IOException {
        Path target = dir.resolve(name.substring(name.lastIndexOf('/') + 1));
        try (InputStream in = Sandbox.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private static Path writeSecret(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    public Path dir() {
        return dir;
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public ApnsEmulator apns() {
        return apns;
    }

    /** What the iOS devices' Live Activities received, pushed to their tokens or broadcast. */
    public LiveActivityLog liveActivities() {
        return apns.liveActivities();
    }

    public FcmEmulator fcm() {
        return fcm;
    }

    public WebPushEmulator web() {
        return web;
    }

    /** The sandbox app's VAPID public key (base64url), which its browsers' subscriptions are bound to. */
    public String vapidPublicKey() {
        return config.apps.get(0).webPush.vapidPublicKey;
    }

    /** What the emulator of {@code platform} counts its devices' deliveries in. */
    public TokenRegistry tokens(Platform platform) {
        return switch (platform) {
            case IOS -> apns.tokens();
            case ANDROID -> fcm.tokens();
            case WEB -> web.tokens();
        };
    }

    /** Every emulator starts counting again. */
    public void resetCounts() {
        for (Platform p : Platform.values()) {
            tokens(p).resetCounts();
        }
        liveActivities().resetCounts();
    }

    /** Whether every emulator keeps the last payload per device (a scale run need not). */
    public void keepPayloads(boolean keep) {
        for (Platform p : Platform.values()) {
            tokens(p).keepPayloads(keep);
        }
    }

    /** When each emulator's deliveries arrive, per millisecond from a start (a fire). */
    public record Arrivals(ArrivalTimes apns, ArrivalTimes fcm, ArrivalTimes web) {}

    /** From now on, every emulator notes when each delivery arrives, from {@code startMillis}, for an hour. */
    public Arrivals recordArrivals(long startMillis) {
        Arrivals a = new Arrivals(
                new ArrivalTimes(startMillis, 3_600_000),
                new ArrivalTimes(startMillis, 3_600_000),
                new ArrivalTimes(startMillis, 3_600_000));
        apns.tokens().recordArrivals(a.apns());
        fcm.tokens().recordArrivals(a.fcm());
        web.tokens().recordArrivals(a.web());
        return a;
    }

    /** What every emulator received, all devices together. */
    public long received() {
        return apns.tokens().totalReceived()
                + fcm.tokens().totalReceived()
                + web.tokens().totalReceived();
    }

    /** The job's configuration, pointing at this sandbox. */
    public HeraldConfig config() {
        return config;
    }

    /** The same configuration as a YAML file, for {@code ./herald run --config}. */
    public Path configFile() {
        return configFile;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (AutoCloseable c : new AutoCloseable[] {web, fcm, apns, kafka}) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
