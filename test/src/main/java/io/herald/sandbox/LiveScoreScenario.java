package io.herald.sandbox;

import io.herald.job.cli.CampaignWatcher;
import io.herald.model.StatusKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * The sandbox's live score: phones whose app reported a push-to-start token for
 * {@code MatchAttributes} get a Live Activity started by one campaign (personalised with each fan's
 * team, subscribing them to the match's APNs broadcast channel), then updates and an end sent as
 * one broadcast each, which the APNs emulator fans out to every subscribed device. What each device
 * saw is counted there ({@link LiveActivityLog}); each update is timed from its record to the last
 * device reached. Used by {@code LiveActivityIT} and {@code ./herald bench livescore}.
 */
public final class LiveScoreScenario {
    public static final String ACTIVITY_TYPE = "MatchAttributes";
    private static final String[] TEAMS = {"Rovers", "United", "City", "Athletic"};

    private final Sandbox sandbox;
    private final KafkaIO kafka;
    private final String activityId;
    /** The push-to-start tokens the emulator knows, one a device that can start the activity. */
    private final List<String> startTokens = new ArrayList<>();
    /** The fans behind {@link #startTokens}, in the same order: user and device ids. */
    private final List<String[]> fans = new ArrayList<>();

    private int phones;
    private int withoutStartToken;
    private int deadStartTokens;

    public LiveScoreScenario(Sandbox sandbox, KafkaIO kafka, String activityId) {
        this.sandbox = sandbox;
        this.kafka = kafka;
        this.activityId = activityId;
    }

    /**
     * Writes {@code users} users with an iPhone each: nine in ten with a push-to-start token (one in
     * fifty of those a token APNs no longer knows), and each fan's team as an attribute; waits until
     * the job has read them all.
     */
    public boolean loadDevices(int users, long seed, Duration wait) throws Exception {
        Random random = new Random(seed);
        HexFormat hex = HexFormat.of();
        String topic = sandbox.config().topics.devices;
        long version = System.currentTimeMillis();
        for (int i = 0; i < users; i++) {
            String user = "fan-" + i;
            String device = "fan-phone-" + i;
            String token = hex.formatHex(bytes(random));
            sandbox.apns().tokens().addLive(token);
            String locale = i % 3 == 0 ? "de-DE" : "en-US";
            send(
                    topic,
                    user,
                    "{\"type\":\"register\",\"userId\":\"" + user + "\",\"deviceId\":\"" + device
                            + "\",\"appId\":\"" + Sandbox.APP_ID + "\",\"platform\":\"ios\",\"token\":\"" + token
                            + "\",\"locale\":\"" + locale + "\",\"version\":" + version + "}");
            send(
                    topic,
                    user,
                    "{\"type\":\"attributes_set\",\"userId\":\"" + user + "\",\"attributes\":{\"team\":\""
                            + TEAMS[i % TEAMS.length] + "\"},\"version\":" + version + "}");
            phones++;
            if (i % 10 == 9) {
                withoutStartToken++; // an older iOS: no push-to-start
                continue;
            }
            String startToken = hex.formatHex(bytes(random));
            if (i % 50 == 7) {
                deadStartTokens++; // the app was reinstalled since: APNs answers Unregistered
            } else {
                sandbox.apns().tokens().addLive(startToken);
                startTokens.add(startToken);
                fans.add(new String[] {user, device});
            }
            send(
                    topic,
                    user,
                    "{\"type\":\"live_activity_token\",\"userId\":\"" + user + "\",\"deviceId\":\"" + device
                            + "\",\"appId\":\"" + Sandbox.APP_ID + "\",\"activityType\":\"" + ACTIVITY_TYPE
                            + "\",\"token\":\""
                            + startToken + "\",\"version\":" + (version + 1) + "}");
        }
        kafka.flush();
        return kafka.awaitConsumed(sandbox.config().kafka.groupId, topic, wait, b -> {});
    }

    private static byte[] bytes(Random random) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return b;
    }

    private void send(String topic, String key, String json) {
        kafka.send(topic, key, json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The first {@code count} started devices report the running activity's update token, as the app
     * does once it has one (the emulator links each to its device); waits until the job has read them.
     *
     * @return the devices that reported one, by their push-to-start tokens (the emulator's names for them)
     */
    public List<String> reportUpdateTokens(int count, Duration wait) throws Exception {
        HexFormat hex = HexFormat.of();
        Random random = new Random(count);
        String topic = sandbox.config().topics.devices;
        long version = System.currentTimeMillis();
        List<String> reported = new ArrayList<>();
        for (int i = 0; i < count && i < fans.size(); i++) {
            String updateToken = hex.formatHex(bytes(random));
            sandbox.apns().tokens().addLive(updateToken);
            sandbox.liveActivities().linkUpdateToken(updateToken, startTokens.get(i), activityId);
            String[] fan = fans.get(i);
            send(
                    topic,
                    fan[0],
                    "{\"type\":\"live_activity_token\",\"userId\":\"" + fan[0] + "\",\"deviceId\":\""
                            + fan[1] + "\",\"appId\":\"" + Sandbox.APP_ID + "\",\"activityType\":\"" + ACTIVITY_TYPE
                            + "\",\"activityId\":\"" + activityId + "\",\"token\":\"" + updateToken + "\",\"version\":"
                            + version + "}");
            reported.add(startTokens.get(i));
        }
        kafka.flush();
        return kafka.awaitConsumed(sandbox.config().kafka.groupId, topic, wait, b -> {}) ? reported : null;
    }

    /** An update of the score sent device by device, to each running activity's update token. */
    public String scoreCampaignByToken(String campaignId, int home, int away, int minute) {
        return scoreCampaign(campaignId, false, home, away, minute)
                .replace("\"broadcast\":true,", "")
                .replace(
                        "\"appId\":\"" + Sandbox.APP_ID + "\",",
                        "\"appId\":\"" + Sandbox.APP_ID + "\",\"audience\":{\"kind\":\"all\"},");
    }

    /** Devices that can start the activity: those whose push-to-start token APNs knows. */
    public List<String> startTokens() {
        return startTokens;
    }

    public int phones() {
        return phones;
    }

    public int withoutStartToken() {
        return withoutStartToken;
    }

    public int deadStartTokens() {
        return deadStartTokens;
    }

    /** The start campaign: every phone of the app, its broadcast channel {@code channelId} (null: none named yet). */
    public String startCampaign(String campaignId, String channelId) {
        return "{\"campaignId\":\"" + campaignId + "\",\"appId\":\"" + Sandbox.APP_ID + "\","
                + "\"audience\":{\"kind\":\"all\"},\"urgent\":true,"
                + "\"message\":{\"defaultLocale\":\"en\",\"defaults\":{\"team\":\"your team\"},\"variants\":{"
                + "\"en\":{\"title\":\"Kick-off\",\"body\":\"{team} are on: follow the match live\"},"
                + "\"de\":{\"title\":\"Anpfiff\",\"body\":\"{team} spielen: das Spiel live verfolgen\"}}},"
                + "\"liveActivity\":{\"event\":\"start\",\"activityType\":\"" + ACTIVITY_TYPE + "\",\"activityId\":\""
                + activityId + "\",\"broadcast\":true,"
                + (channelId == null ? "" : "\"channelId\":\"" + channelId + "\",")
                + "\"attributes\":{\"home\":\"Rovers\",\"away\":\"United\",\"fanOf\":\"{team}\"},"
                + "\"contentState\":{\"home\":0,\"away\":0,\"minute\":0}}}";
    }

    /** An update (or, {@code end}, the end) of the score as one broadcast. */
    public String scoreCampaign(String campaignId, boolean end, int home, int away, int minute) {
        return "{\"campaignId\":\"" + campaignId + "\",\"appId\":\"" + Sandbox.APP_ID + "\","
                + "\"liveActivity\":{\"event\":\"" + (end ? "end" : "update") + "\",\"activityId\":\"" + activityId
                + "\",\"broadcast\":true,\"contentState\":{\"home\":" + home + ",\"away\":" + away + ",\"minute\":"
                + minute + "}" + (end ? ",\"dismissalDate\":" + (System.currentTimeMillis() / 1000 + 600) : "")
                + "}}";
    }

    /**
     * Creates and fires {@code createJson} and waits until its receipts are all in.
     *
     * @return the watcher, for its counts (closed by the caller); null if it did not end within {@code wait}
     */
    public CampaignWatcher run(String campaignId, String createJson, Duration wait) throws Exception {
        String topics = sandbox.config().topics.campaigns;
        CampaignWatcher w =
                kafka.watch(campaignId, sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
        kafka.send(
                topics,
                campaignId,
                ("{\"type\":\"create\"," + createJson.substring(1)).getBytes(StandardCharsets.UTF_8));
        kafka.send(topics, campaignId, DemoCampaign.fire(campaignId));
        kafka.flush();
        boolean done = w.awaitUntil(
                wait,
                () -> {},
                () -> w.isDone() || !w.statuses(StatusKind.REJECTED).isEmpty());
        return done ? w : null;
    }

    /**
     * Sends a broadcast update (or end) and times it: from the moment its record is written to the
     * moment the emulator's fan-out reached the last subscribed device.
     *
     * @return milliseconds, or -1 if the broadcast did not arrive within {@code wait}
     */
    public long timedBroadcast(String campaignId, boolean end, int home, int away, int minute, Duration wait)
            throws Exception {
        LiveActivityLog log = sandbox.liveActivities();
        int before = log.broadcasts().size();
        long sentAt = System.currentTimeMillis();
        try (CampaignWatcher w = run(campaignId, scoreCampaign(campaignId, end, home, away, minute), wait)) {
            if (w == null) {
                return -1;
            }
        }
        long deadline = System.currentTimeMillis() + wait.toMillis();
        while (log.broadcasts().size() <= before && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        List<LiveActivityLog.Broadcast> all = log.broadcasts();
        return all.size() > before ? all.get(before).lastReachedAtMillis() - sentAt : -1;
    }
}
