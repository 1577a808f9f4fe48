package io.herald.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.model.Platform;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongConsumer;
import java.util.function.Predicate;

/**
 * A deterministic population of users for the sandbox: iOS and Android, several locales, some users
 * with two devices, a tenth with a browser besides (web push), some dead tokens, some opted out.
 * Knows which devices a campaign to all users should reach, so delivery can be judged from the
 * emulators' counts.
 */
public final class SyntheticUsers {
    public static final String[] LOCALES = {"en-US", "en-GB", "pt-BR", "pt-PT", "es-ES", "de-DE", "fr-FR", "ja-JP"};
    private static final String[] NAMES = {"Ana", "Bruno", "Chloé", "Dmitri", "Emma", "Fatima", "Gus", "Hiro"};
    private static final String[] BROWSERS = {"chrome", "firefox", "safari", "edge"};
    /** The share of users with a browser subscribed besides their phones. */
    public static final double BROWSER_SHARE = 0.10;

    /** One synthetic device of one user. */
    public static final class Device {
        public final String userId;
        public final String deviceId;
        public final Platform platform;
        /**
         * What the device's emulator counts it by: the APNs or FCM token, or a browser's
         * subscription id (its endpoint is made when the sandbox's web push service subscribes it).
         */
        public final String token;

        public final String locale;
        public final String name;
        public final int streak;
        public final boolean optIn;
        public final boolean deadToken;
        /** A browser's subscription, once {@link #registerWith(Sandbox)} made it; null otherwise. */
        private volatile WebPushEmulator.Subscription subscription;

        Device(
                String userId,
                String deviceId,
                Platform platform,
                String token,
                String locale,
                String name,
                int streak,
                boolean optIn,
                boolean deadToken) {
            this.userId = userId;
            this.deviceId = deviceId;
            this.platform = platform;
            this.token = token;
            this.locale = locale;
            this.name = name;
            this.streak = streak;
            this.optIn = optIn;
            this.deadToken = deadToken;
        }

        /** The device event that registers it, as the devices topic carries it. */
        public byte[] registerEvent(String appId, long version) {
            String json = "{\"type\":\"register\",\"userId\":\"" + userId + "\",\"deviceId\":\"" + deviceId
                    + "\",\"appId\":\"" + appId + "\",\"platform\":\"" + platform.wire() + "\"," + tokenJson()
                    + ",\"locale\":\"" + locale + "\",\"timezone\":\"UTC\",\"appVersion\":\"5.2.0\",\"optIn\":"
                    + optIn + ",\"attributes\":{\"name\":\"" + name + "\",\"streak\":" + streak
                    + "},\"tags\":[\"" + (streak > 10 ? "loyal" : "new") + "\"],\"version\":" + version + "}";
            return json.getBytes(StandardCharsets.UTF_8);
        }

        /** The token, or a browser's subscription as {@code PushSubscription.toJSON()} writes it, and its browser. */
        private String tokenJson() {
            if (platform != Platform.WEB) {
                return "\"token\":\"" + token + "\"";
            }
            WebPushEmulator.Subscription s = subscription;
            if (s == null) {
                throw new IllegalStateException(
                        deviceId + " is a browser not subscribed yet: registerWith(sandbox) first");
            }
            return "\"browser\":\"" + BROWSERS[Math.floorMod(deviceId.hashCode(), BROWSERS.length)]
                    + "\",\"subscription\":{\"endpoint\":\"" + s.endpoint() + "\",\"expirationTime\":null,"
                    + "\"keys\":{\"p256dh\":\"" + s.p256dh() + "\",\"auth\":\"" + s.auth() + "\"}}";
        }

        /** A browser's subscription at the sandbox's push service, or null (a phone, or not subscribed yet). */
        public WebPushEmulator.Subscription subscription() {
            return subscription;
        }

        /** Whether a campaign to all users should be accepted by the provider for this device. */
        public boolean expectsDelivery() {
            return optIn && !deadToken;
        }
    }

    private final List<Device> devices;

    private SyntheticUsers(List<Device> devices) {
        this.devices = devices;
    }

    /**
     * {@code users} users from {@code seed}: about 15% with a second device, 55% of phones on iOS, a
     * tenth of users with a browser besides, {@code deadShare} of tokens (and subscriptions) dead at
     * the provider, 3% of devices opted out. The browsers are drawn apart from the phones, so that the
     * phones of a seed are the same with or without them.
     */
    public static SyntheticUsers generate(int users, long seed, double deadShare) {
        Random random = new Random(seed);
        Random browsers = new Random(seed * 31 + 17);
        List<Device> devices = new ArrayList<>((int) (users * 1.2));
        for (int u = 0; u < users; u++) {
            String userId = String.format("u%08d", u);
            String name = NAMES[random.nextInt(NAMES.length)];
            int streak = random.nextInt(4) == 0 ? 1 : random.nextInt(30);
            int count = random.nextDouble() < 0.15 ? 2 : 1;
            for (int d = 0; d < count; d++) {
                Platform platform = random.nextDouble() < 0.55 ? Platform.IOS : Platform.ANDROID;
                String deviceId = userId + "-d" + d;
                String token = platform == Platform.IOS
                        ? String.format("%016x%016x%016x%016x", random.nextLong(), random.nextLong(), u, d)
                        : String.format("fcm-%016x%016x:%s", random.nextLong(), random.nextLong(), deviceId);
                devices.add(new Device(
                        userId,
                        deviceId,
                        platform,
                        token,
                        LOCALES[random.nextInt(LOCALES.length)],
                        name,
                        streak,
                        random.nextDouble() >= 0.03,
                        random.nextDouble() < deadShare));
            }
            if (browsers.nextDouble() < BROWSER_SHARE) {
                String deviceId = userId + "-w0";
                devices.add(new Device(
                        userId,
                        deviceId,
                        Platform.WEB,
                        deviceId,
                        LOCALES[browsers.nextInt(LOCALES.length)],
                        name,
                        streak,
                        browsers.nextDouble() >= 0.03,
                        browsers.nextDouble() < deadShare));
            }
        }
        return new SyntheticUsers(devices);
    }

    public List<Device> devices() {
        return devices;
    }

    /** The notification's title and body in a payload as {@code platform}'s emulator received it. */
    public static JsonNode alert(Platform platform, JsonNode payload) {
        return switch (platform) {
            case IOS -> payload.at("/aps/alert");
            case ANDROID -> payload.at("/message/notification");
            case WEB -> payload.at("/notification");
        };
    }

    /**
     * The phones only, without the browsers: for state bootstrapped once and kept (the bench's
     * savepoints), which a browser's subscription cannot outlive, its endpoint naming the port of the
     * push service that made it.
     */
    public SyntheticUsers phonesOnly() {
        return new SyntheticUsers(
                devices.stream().filter(d -> d.platform != Platform.WEB).toList());
    }

    /** The users {@code keep} takes (asked once per user, in order), with all their devices. */
    public SyntheticUsers users(Predicate<String> keep) {
        List<Device> kept = new ArrayList<>();
        String user = null;
        boolean keeping = false;
        for (Device d : devices) {
            if (!d.userId.equals(user)) {
                user = d.userId;
                keeping = keep.test(user);
            }
            if (keeping) {
                kept.add(d);
            }
        }
        return new SyntheticUsers(kept);
    }

    /**
     * The version of the synthetic registrations: two hours ago, so that dead tokens died (an hour
     * ago, says the APNs emulator) after their devices registered them.
     */
    public static long registrationVersion() {
        return System.currentTimeMillis() - 7_200_000;
    }

    /**
     * Registers every device through the devices topic of the sandbox's job, and waits until the job
     * has taken them all in (its consumer group's offsets), for at most {@code timeout}.
     */
    public boolean load(Sandbox sandbox, KafkaIO kafka, Duration timeout, LongConsumer behind) throws Exception {
        return load(sandbox, kafka, kafka, timeout, behind);
    }

    /**
     * The same with two clients: {@code writer} writes the registrations (on a secured broker, a
     * principal that may write the devices topic and nothing else), {@code reader} reads the job's
     * progress (its group's offsets, the topic's last records).
     */
    public boolean load(Sandbox sandbox, KafkaIO writer, KafkaIO reader, Duration timeout, LongConsumer behind)
            throws Exception {
        String topic = sandbox.config().topics.devices;
        long version = registrationVersion();
        for (Device d : devices) {
            writer.send(topic, d.userId, d.registerEvent(Sandbox.APP_ID, version));
        }
        writer.flush();
        return reader.awaitConsumed(sandbox.config().kafka.groupId, topic, timeout, behind);
    }

    /**
     * Tells each of the sandbox's emulators which of its tokens are live and which died an hour ago;
     * subscribes each browser at its push service (bound to the app's VAPID key, as a browser's
     * {@code pushManager.subscribe} is), its subscription expired an hour ago if dead.
     */
    public void registerWith(Sandbox sandbox) {
        Instant died = Instant.now().minusSeconds(3600);
        ECPublicKey vapid = null;
        for (Device d : devices) {
            if (d.platform == Platform.WEB) {
                if (d.subscription == null) {
                    if (vapid == null) {
                        vapid = WebPushEmulator.publicKey(sandbox.vapidPublicKey());
                    }
                    d.subscription = sandbox.web().subscribe(d.token, vapid);
                }
                if (d.deadToken) {
                    sandbox.web().expire(d.token, died);
                }
                continue;
            }
            TokenRegistry r = sandbox.tokens(d.platform);
            if (d.deadToken) {
                r.addDead(d.token, died);
            } else {
                r.addLive(d.token);
            }
        }
    }
}
