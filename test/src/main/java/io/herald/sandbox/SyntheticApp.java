package io.herald.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The apps of the sandbox's synthetic users, reporting what their users do after a campaign: a user
 * whose phone got the campaign opens it and converts with the probabilities of the arm it got (told
 * apart by the title the phone shows, as a person would), a user in the audience who got nothing (held
 * out) converts with the base probability. Reports go to the interactions topic as an app would send
 * them, some twice (a client's retry), so the job must count each once. Deterministic from its seed.
 */
public final class SyntheticApp {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How likely a user who got an arm is to open it and to convert. */
    public record Behaviour(double open, double convert) {}

    /** What the app reported per arm ("holdout" for users who got nothing): users, opens, conversions. */
    public static final class Reported {
        public long users;
        public long opened;
        public long converted;
        public double value;

        @Override
        public String toString() {
            return users + " users, " + opened + " opened, " + converted + " converted";
        }
    }

    /** What two reactions reported, arm by arm. */
    public static Map<String, Reported> add(Map<String, Reported> a, Map<String, Reported> b) {
        Map<String, Reported> sum = new TreeMap<>();
        for (Map<String, Reported> m : List.of(a, b)) {
            m.forEach((arm, r) -> {
                Reported s = sum.computeIfAbsent(arm, x -> new Reported());
                s.users += r.users;
                s.opened += r.opened;
                s.converted += r.converted;
                s.value += r.value;
            });
        }
        return sum;
    }

    private final Sandbox sandbox;
    private final KafkaIO kafka;
    private final Random random;

    public SyntheticApp(Sandbox sandbox, KafkaIO kafka, long seed) {
        this.sandbox = sandbox;
        this.kafka = kafka;
        this.random = new Random(seed);
    }

    /**
     * Has each user of {@code users} react to campaign {@code campaignId}: the arm whose title starts
     * a phone's notification, by {@code byTitle} (title prefix to arm name and behaviour); users
     * who got nothing convert with {@code baseConversion}. Converting users buy once, a tenth of them
     * twice; a twentieth of all reports are sent twice.
     *
     * @return what was reported, per arm and "holdout"
     */
    public Map<String, Reported> react(
            String campaignId,
            SyntheticUsers users,
            Map<String, Map.Entry<String, Behaviour>> byTitle,
            double baseConversion,
            String conversionEvent)
            throws Exception {
        Map<String, List<SyntheticUsers.Device>> byUser = new LinkedHashMap<>();
        for (SyntheticUsers.Device d : users.devices()) {
            byUser.computeIfAbsent(d.userId, u -> new ArrayList<>()).add(d);
        }
        Map<String, Reported> reported = new TreeMap<>();
        String topic = sandbox.config().topics.interactions;
        long now = System.currentTimeMillis();
        int reports = 0;
        for (Map.Entry<String, List<SyntheticUsers.Device>> user : byUser.entrySet()) {
            String arm = null;
            Behaviour behaviour = null;
            SyntheticUsers.Device got = null;
            boolean reachable = false;
            for (SyntheticUsers.Device d : user.getValue()) {
                reachable |= d.expectsDelivery();
                TokenRegistry registry = sandbox.tokens(d.platform);
                if (registry.received(d.token) == 0) {
                    continue;
                }
                String title = title(d, registry.lastPayload(d.token));
                for (Map.Entry<String, Map.Entry<String, Behaviour>> t : byTitle.entrySet()) {
                    if (title.startsWith(t.getKey())) {
                        arm = t.getValue().getKey();
                        behaviour = t.getValue().getValue();
                        got = d;
                    }
                }
            }
            if (!reachable) {
                continue; // never in the campaign's reach: neither exposed nor held out
            }
            String userId = user.getKey();
            Reported r = reported.computeIfAbsent(arm == null ? "holdout" : arm, a -> new Reported());
            r.users++;
            if (got != null && random.nextDouble() < behaviour.open()) {
                r.opened++;
                reports += send(
                        topic,
                        userId,
                        "{\"type\":\"opened\",\"userId\":\"" + userId + "\",\"campaignId\":\""
                                + campaignId + "\",\"notificationId\":\"" + campaignId + "/" + got.deviceId
                                + "\",\"at\":"
                                + now + "}");
            }
            double convert = got == null ? baseConversion : behaviour.convert();
            if (random.nextDouble() < convert) {
                r.converted++;
                int purchases = random.nextInt(10) == 0 ? 2 : 1;
                for (int p = 0; p < purchases; p++) {
                    double value = 5 + random.nextInt(20);
                    r.value += value;
                    reports += send(
                            topic,
                            userId,
                            "{\"type\":\"event\",\"userId\":\"" + userId + "\",\"appId\":\""
                                    + Sandbox.APP_ID + "\",\"name\":\"" + conversionEvent + "\",\"value\":" + value
                                    + ",\"eventId\":\"" + campaignId + "-" + userId + "-" + p + "\",\"at\":" + (now + p)
                                    + "}");
                }
            }
        }
        kafka.flush();
        return reported;
    }

    /** Sends a report, and a twentieth of them a second time. */
    private int send(String topic, String userId, String json) {
        byte[] value = json.getBytes(StandardCharsets.UTF_8);
        kafka.send(topic, userId, value);
        if (random.nextInt(20) == 0) {
            kafka.send(topic, userId, value);
            return 2;
        }
        return 1;
    }

    private static String title(SyntheticUsers.Device d, String payload) throws Exception {
        JsonNode n = JSON.readTree(payload);
        return SyntheticUsers.alert(d.platform, n).path("title").asText();
    }
}
