package io.herald.job.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.herald.apns.ApnsApp;
import io.herald.campaign.FireGuard;
import io.herald.campaign.FrequencyCap;
import io.herald.campaign.QuietHours;
import io.herald.campaign.RunawayGuard;
import io.herald.campaign.UrgentUpdateBudget;
import io.herald.delivery.Concurrency;
import io.herald.delivery.DeliverySettings;
import io.herald.delivery.RetryPolicy;
import io.herald.fcm.FcmApp;
import io.herald.model.QuietHoursSpec;
import io.herald.webpush.WebPushApp;
import java.io.File;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A Herald deployment's configuration, read from YAML: Kafka and topics, the apps with their
 * provider credentials (as file paths), delivery bounds, checkpointing. See {@code README.md}.
 */
public class HeraldConfig {
    public Kafka kafka = new Kafka();
    public Topics topics = new Topics();
    public List<App> apps = new ArrayList<>();
    public Delivery delivery = new Delivery();
    public Checkpointing checkpointing = new Checkpointing();
    public State state = new State();
    public Replay replay = new Replay();
    public Signing signing = new Signing();
    public int parallelism = 2;

    /** Reads and checks a YAML file. */
    public static HeraldConfig read(File file) throws IOException {
        ObjectMapper yaml = YAMLMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS) // "concurrency: adaptive"
                .build();
        HeraldConfig config = yaml.readValue(file, HeraldConfig.class);
        config.check();
        return config;
    }

    /** Fails with a message naming the first missing or inconsistent setting. */
    public void check() {
        require(kafka.bootstrapServers, "kafka.bootstrapServers");
        if (apps.isEmpty()) {
            throw new IllegalArgumentException("apps: at least one app is needed");
        }
        for (App app : apps) {
            require(app.id, "apps[].id");
            if (app.apns == null && app.fcm == null && app.webPush == null) {
                throw new IllegalArgumentException("apps." + app.id + ": none of apns, fcm and webPush is configured");
            }
            if (app.quietHours != null) {
                String problem = QuietHours.problem(app.quietHours, "apps." + app.id + ".quietHours");
                if (problem != null) {
                    throw new IllegalArgumentException(problem);
                }
            }
            checkCap(app.frequencyCap, "apps." + app.id + ".frequencyCap");
            checkCap(app.runawayGuard, "apps." + app.id + ".runawayGuard");
            if (app.fireGuard != null) {
                try {
                    new FireGuard(app.fireGuard.devicesFactor, app.fireGuard.maxAudience);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("apps." + app.id + ".fireGuard: " + e.getMessage());
                }
            }
            if (app.apns != null) {
                require(app.apns.keyFile, "apps." + app.id + ".apns.keyFile");
                require(app.apns.keyId, "apps." + app.id + ".apns.keyId");
                require(app.apns.teamId, "apps." + app.id + ".apns.teamId");
                require(app.apns.topic, "apps." + app.id + ".apns.topic");
                if (app.apns.liveActivityUrgentUpdatesPerHour != null
                        && app.apns.liveActivityUrgentUpdatesPerHour < 0) {
                    throw new IllegalArgumentException("apps." + app.id
                            + ".apns.liveActivityUrgentUpdatesPerHour must be 0 or more (leave it out for "
                            + UrgentUpdateBudget.DEFAULT_PER_HOUR + ")");
                }
                if (app.apns.maxPerSecond != null && app.apns.maxPerSecond < 1) {
                    throw new IllegalArgumentException(
                            "apps." + app.id + ".apns.maxPerSecond must be at least 1 (leave it out for no budget)");
                }
            }
            if (app.webPush != null) {
                checkWebPush(app.webPush, "apps." + app.id + ".webPush");
            }
            if (app.fcm != null) {
                require(app.fcm.projectId, "apps." + app.id + ".fcm.projectId");
                if (app.fcm.serviceAccountFile == null && app.fcm.accessTokenFile == null) {
                    throw new IllegalArgumentException(
                            "apps." + app.id + ".fcm: serviceAccountFile or accessTokenFile is needed");
                }
                if (app.fcm.maxPerMinute < 1) {
                    throw new IllegalArgumentException("apps." + app.id + ".fcm.maxPerMinute must be at least 1");
                }
            }
        }
        for (KeyFile k : signing.keys) {
            require(k.principal, "signing.keys[].principal");
            require(k.file, "signing.keys[].file");
        }
        if (signing.windowMs < 1_000) {
            throw new IllegalArgumentException("signing.windowMs must be at least 1000");
        }
        for (App app : apps) {
            if (app.seeds == null) {
                app.seeds = new ArrayList<>();
            }
            if (app.seeds.size() > MAX_SEEDS
                    || app.seeds.stream().anyMatch(u -> u == null || u.isBlank())
                    || new HashSet<>(app.seeds).size() < app.seeds.size()) {
                throw new IllegalArgumentException("apps." + app.id + ".seeds: at most " + MAX_SEEDS
                        + " user ids, none blank, none twice (has " + app.seeds.size() + ")");
            }
            if (app.requireTestSend && app.seeds.isEmpty()) {
                throw new IllegalArgumentException(
                        "apps." + app.id + ".requireTestSend needs seeds: a test send goes to the app's seeds");
            }
            if (app.requireApproval && !app.requireSigned) {
                throw new IllegalArgumentException("apps." + app.id
                        + ".requireApproval needs requireSigned: an approval is a principal's, and only a signed"
                        + " record names one");
            }
        }
        if (!requireSignedApps().isEmpty() && signing.keys.isEmpty()) {
            throw new IllegalArgumentException("apps " + requireSignedApps()
                    + " require signed records (requireSigned), and signing.keys names no key");
        }
        if (state.deviceTtlDays < 1) {
            throw new IllegalArgumentException("state.deviceTtlDays must be positive");
        }
        if (delivery.maxInFlight < 1
                || delivery.timeoutMs < 1
                || delivery.apnsConnections < 1
                || delivery.fcmConnections < 1
                || delivery.webPushConnections < 1
                || delivery.concurrency == null) {
            throw new IllegalArgumentException(
                    "delivery: maxInFlight, timeoutMs, apnsConnections, fcmConnections and webPushConnections must be positive");
        }
    }

    private static void require(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is missing");
        }
    }

    /** The apps with an APNs block, each block named by its app. */
    public List<ApnsApp> apnsApps() {
        return providerApps(a -> a.apns, (apns, id) -> apns.appId = id);
    }

    /** The APNs block of app {@code appId}, or null if it has none. */
    public ApnsApp apnsApp(String appId) {
        return apnsApps().stream()
                .filter(a -> a.appId.equals(appId))
                .findFirst()
                .orElse(null);
    }

    /**
     * A web push block: the VAPID private key's file and the public key (checked to be a pair when
     * the delivery connects, so that a mistake fails the job's start, not a campaign), and a subject
     * the push services can reach the sender at (RFC 8292: a {@code mailto:} or {@code https:} URL).
     */
    private static void checkWebPush(WebPushApp w, String where) {
        require(w.vapidPrivateKeyFile, where + ".vapidPrivateKeyFile");
        require(w.vapidPublicKey, where + ".vapidPublicKey");
        require(w.subject, where + ".subject");
        if (!w.subject.startsWith("mailto:") && !w.subject.startsWith("https://")) {
            throw new IllegalArgumentException(where + ".subject must be a mailto: or https: URL (RFC 8292)");
        }
        if (w.defaultTtlSeconds < 0) {
            throw new IllegalArgumentException(where + ".defaultTtlSeconds must not be negative");
        }
        String services = w.pushServicesProblem();
        if (services != null) {
            throw new IllegalArgumentException(where + "." + services);
        }
    }

    /** The apps with a web push block, each block named by its app. */
    public List<WebPushApp> webPushApps() {
        return providerApps(a -> a.webPush, (web, id) -> web.appId = id);
    }

    /** The apps with an FCM block, each block named by its app. */
    public List<FcmApp> fcmApps() {
        return providerApps(a -> a.fcm, (fcm, id) -> fcm.appId = id);
    }

    /** One provider's blocks of the apps that have one, each told its app's id. */
    private <T> List<T> providerApps(Function<App, T> block, BiConsumer<T, String> nameWith) {
        List<T> blocks = new ArrayList<>();
        for (App app : apps) {
            T b = block.apply(app);
            if (b != null) {
                nameWith.accept(b, app.id);
                blocks.add(b);
            }
        }
        return blocks;
    }

    /** The apps whose campaigns fire only once approved by a principal other than their creator. */
    public Set<String> requireApprovalApps() {
        return apps.stream().filter(a -> a.requireApproval).map(a -> a.id).collect(Collectors.toSet());
    }

    /** The apps whose campaigns fire only after a test send of their content as it is. */
    public Set<String> requireTestSendApps() {
        return apps.stream().filter(a -> a.requireTestSend).map(a -> a.id).collect(Collectors.toSet());
    }

    /** Each app's seed users, for the apps that have any. */
    public Map<String, List<String>> seeds() {
        return apps.stream()
                .filter(a -> a.seeds != null && !a.seeds.isEmpty())
                .collect(Collectors.toMap(a -> a.id, a -> List.copyOf(a.seeds)));
    }

    /** The apps that take control records only when signed by a known principal. */
    public Set<String> requireSignedApps() {
        return apps.stream().filter(a -> a.requireSigned).map(a -> a.id).collect(Collectors.toSet());
    }

    public Set<String> appIds() {
        return apps.stream().map(a -> a.id).filter(Objects::nonNull).collect(Collectors.toSet());
    }

    /** Where Kafka is and how Herald identifies itself to it. */
    public static class Kafka {
        public String bootstrapServers;
        public String groupId = "herald";
        /** Prefix of the sink's transactional ids; unique per job writing to the cluster. */
        public String transactionalIdPrefix = "herald";
        /** Extra client properties (security and the like) for every source and the sink. */
        public Map<String, String> properties = new HashMap<>();
    }

    /** Topic names. */
    public static class Topics {
        public String devices = "devices";
        public String campaigns = "campaigns";
        public String audiences = "audiences";
        public String receipts = "receipts";
        public String deadLetters = "dead-letters";
        public String campaignStatus = "campaign-status";
        /** Notifications' final outcomes, recorded as they come (not transactional): what a restore must not send again, what a retry reads. */
        public String answers = "answers";
        /**
         * What apps report of their users (opens, actions, app events): the input of measured
         * campaigns' opens and conversions; null (the default) reads none, so a deployment that
         * measures nothing needs no such topic.
         */
        public String interactions;
    }

    /** One app: its id as campaigns and devices name it, and its provider settings. */
    public static class App {
        public String id;
        public ApnsApp apns;
        public FcmApp fcm;
        /** Browsers, by web push (RFC 8030) with this app's VAPID keys. */
        public WebPushApp webPush;
        /** At most this many campaign notifications per user in a rolling window; none when absent. */
        public Cap frequencyCap;
        /**
         * At most this many notifications per user in a rolling window, of every kind (campaigns,
         * exempt ones too, and transactional sends): a guard against a loop upstream; none when absent.
         */
        public Cap runawayGuard;
        /** The most a fire may reach without a confirmation in its record; none when absent. */
        public FireLimit fireGuard;
        /** No campaign notification in this window of the device's day; campaigns may override it. */
        public QuietHoursSpec quietHours;
        /**
         * Control records of this app's campaigns (create, fire, cancel, pause, send, ...) and of the
         * app itself are taken only when signed with a key of {@link Signing#keys}; the rest are
         * refused on {@code campaign-status}, saying why.
         */
        public boolean requireSigned;
        /**
         * A campaign of this app fires only once a principal other than its creator has approved its
         * content ({@code campaign approve}); an edit needs a new approval. Needs {@link #requireSigned}.
         */
        public boolean requireApproval;
        /**
         * The user ids of the team's own phones, at most {@link #MAX_SEEDS}: each fire hands them a copy
         * of the campaign before anyone else, and {@code campaign test} sends them every arm in every
         * locale, whatever the audience.
         */
        public List<String> seeds = new ArrayList<>();
        /**
         * A campaign of this app fires only after a test send ({@code campaign test}) of its content as
         * it is now: an edit needs another. Needs {@link #seeds}.
         */
        public boolean requireTestSend;
    }

    /** The most seed users an app may have: each test send reaches all of them at once. */
    public static final int MAX_SEEDS = 100;

    /**
     * The keys control records may be signed with (HMAC-SHA256): each a file of its own, naming its
     * id and holding its secret, and the principal it speaks for. Two keys of one principal may be
     * listed at once, while one replaces the other.
     */
    public static class Signing implements Serializable {
        private static final long serialVersionUID = 1L;

        public List<KeyFile> keys = new ArrayList<>();
        /**
         * How far a signature's time may be from when its record was written, and how long a record's
         * nonce is remembered, in ms: a record written again after that is refused as replayed.
         */
        public long windowMs = 600_000;
        /** The id of the key (one of {@link #keys}) the job signs its own control records with (tests' winners). */
        public String jobKeyId;
    }

    /** A signing key's file ({@code {"keyId": "...", "secret": "<base64 of 32 bytes or more>"}}) and its principal. */
    public static class KeyFile implements Serializable {
        private static final long serialVersionUID = 1L;

        public String principal;
        public String file;
    }

    /**
     * A fire guard as configured: a fire may reach at most {@code devicesFactor} times the app's
     * devices and at most {@code maxAudience} devices (either may be left out) unless its record
     * confirms its audience.
     */
    public static class FireLimit {
        public Double devicesFactor;
        public Long maxAudience;
    }

    /** A frequency cap as configured: {@code max} notifications per {@code window} (ISO-8601, "PT24H"). */
    public static class Cap {
        public int max;
        public String window;
    }

    /** Each app's quiet hours, by app id (apps without them are absent). */
    public Map<String, QuietHours> quietHours() {
        Map<String, QuietHours> quiet = new HashMap<>();
        for (App app : apps) {
            QuietHours q = QuietHours.of(app.quietHours);
            if (q != null) {
                quiet.put(app.id, q);
            }
        }
        return quiet;
    }

    /** A cap as configured, checked: absent, or a max of at least one in a window of an ISO-8601 duration. */
    private static void checkCap(Cap cap, String name) {
        if (cap == null) {
            return;
        }
        try {
            new FrequencyCap(cap.max, Duration.parse(Objects.requireNonNull(cap.window, name + ".window is missing")));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + ".window is not an ISO-8601 duration (such as PT24H)");
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }

    /** Each app's runaway guard, by app id (apps without one are absent). */
    public Map<String, RunawayGuard> runawayGuards() {
        Map<String, RunawayGuard> guards = new HashMap<>();
        for (App app : apps) {
            if (app.runawayGuard != null) {
                guards.put(app.id, new RunawayGuard(app.runawayGuard.max, Duration.parse(app.runawayGuard.window)));
            }
        }
        return guards;
    }

    /** Each app's budget of urgent Live Activity updates, by app id (apps without APNs are absent). */
    public Map<String, UrgentUpdateBudget> urgentUpdateBudgets() {
        Map<String, UrgentUpdateBudget> budgets = new HashMap<>();
        for (App app : apps) {
            if (app.apns != null) {
                Integer perHour = app.apns.liveActivityUrgentUpdatesPerHour;
                budgets.put(
                        app.id,
                        new UrgentUpdateBudget(perHour == null ? UrgentUpdateBudget.DEFAULT_PER_HOUR : perHour));
            }
        }
        return budgets;
    }

    /** Each app's fire guard, by app id (apps without one are absent). */
    public Map<String, FireGuard> fireGuards() {
        Map<String, FireGuard> guards = new HashMap<>();
        for (App app : apps) {
            if (app.fireGuard != null) {
                guards.put(app.id, new FireGuard(app.fireGuard.devicesFactor, app.fireGuard.maxAudience));
            }
        }
        return guards;
    }

    /** Each app's frequency cap, by app id (apps without one are absent). */
    public Map<String, FrequencyCap> frequencyCaps() {
        Map<String, FrequencyCap> caps = new HashMap<>();
        for (App app : apps) {
            if (app.frequencyCap != null) {
                caps.put(app.id, new FrequencyCap(app.frequencyCap.max, Duration.parse(app.frequencyCap.window)));
            }
        }
        return caps;
    }

    /** Bounds on delivery. */
    public static class Delivery {
        /**
         * The most notifications in flight per parallel instance of each provider's operator (as many
         * again may queue): what bounds memory, and what a crash can send twice. When the window is
         * full, the walk waits for room.
         */
        public int maxInFlight = 5000;
        /**
         * How the window is found within {@link #maxInFlight}: {@code adaptive} from the providers'
         * round trips and pushback (a provider 150 ms away needs more in flight than one 5 ms away),
         * or {@code fixed} at {@link #maxInFlight}.
         */
        public Concurrency concurrency = Concurrency.ADAPTIVE;
        /** A notification without a final answer this long after it reached its delivery gets a failed receipt; retries stop two thirds in. */
        public long timeoutMs = 30_000;
        /**
         * HTTP/2 connections per app to APNs, per parallel instance. APNs takes 1,000 concurrent
         * requests per connection: at least maxInFlight / 1,000, or requests wait for a stream.
         */
        public int apnsConnections = 5;
        /**
         * The most HTTP/2 connections per app to FCM, per parallel instance, opened as the requests
         * outstanding need them: FCM takes 100 concurrent requests per connection.
         */
        public int fcmConnections = 50;
        /**
         * The most HTTP/2 connections per web push service (each browser vendor's origin), per
         * parallel instance, opened as the requests outstanding need them.
         */
        public int webPushConnections = 10;
        /** Attempts per notification for transient failures (429, 5xx, reset, no answer), the first included. */
        public int maxAttempts = 5;
        /** Backoff ceiling after the first failure; doubles per failure, full jitter, up to retryMaxDelayMs. */
        public long retryBaseDelayMs = 200;

        public long retryMaxDelayMs = 10_000;
        /** On a stop, how long a delivery waits for the answers to requests already at the provider. */
        public long closeWaitMs = 5_000;

        public RetryPolicy retryPolicy() {
            return new RetryPolicy(maxAttempts, retryBaseDelayMs, retryMaxDelayMs);
        }

        /** The delivery operators' settings. */
        public DeliverySettings settings() {
            return new DeliverySettings(maxInFlight, concurrency, retryPolicy(), timeoutMs, closeWaitMs);
        }
    }

    /** Device state. */
    public static class State {
        /** A device (and a user's profile) with no event for this long is dropped; FCM tokens live 270 days. */
        public int deviceTtlDays = 270;
    }

    /** What a job does with fires and sends it reads again: a replay from a savepoint, or a fresh job. */
    public static class Replay {
        /**
         * A fire (or send) read again after a restore is acted on only if it is younger than this
         * (its notifications already answered are not sent again); older ones are skipped with a
         * status, unless the campaign says {@code resumeOnReplay}.
         */
        public long resumeCampaignsFiredWithinMs = 3_600_000;
        /** A job started without state takes fires and sends older than its start for history; true acts on them. */
        public boolean fireOnFreshStart = false;
        /** Records written this shortly before a job started still count as new (producers' clocks disagree a little). */
        public long clockSkewMs = 30_000;
    }

    /** Checkpointing: always exactly-once. */
    public static class Checkpointing {
        public long intervalMs = 10_000;
        /** Where checkpoints go (a URI such as {@code file:///var/herald/checkpoints} or {@code s3://...}). */
        public String directory;
    }
}
