package io.herald.e2e.migration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.model.Platform;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.Sandbox;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a migration snapshot holds and how its campaigns are made, shared by the
 * {@link MigrationSnapshotGenerator} (which runs the job of one version and stops it with a
 * savepoint) and {@code SavepointMigrationIT} (which restores that savepoint into the job of today).
 *
 * <p>The users fall in three groups, each reached by its own campaigns, so that what a device
 * received can be told apart campaign by campaign from the emulators' per-token counts alone:
 * <ul>
 *   <li>{@link Group#CAPPED} (tags {@code now}, {@code early}): sent {@link #CAP_SETTER} before
 *       anything else. The app's frequency cap (one campaign per user in {@link #CAP_WINDOW}) then
 *       holds {@link #STOPPED} back from them, before the stop and after the restore alike.
 *   <li>{@link Group#WALK} (tag {@code now}): {@link #STOPPED}, paced so that the savepoint is taken
 *       in the middle of its walk: some devices had it before the stop, the rest must get it after
 *       the restore, and nobody twice.
 *   <li>{@link Group#LOCAL} (tag {@code later}): {@link #LOCAL_TIME}, a campaign at a wall-clock
 *       time in each device's zone, created before the stop and due after it: in UTC a minute after
 *       its creation, in Tokyo nine hours before (a passed zone, skipped).
 * </ul>
 */
public final class MigrationScenario {
    private MigrationScenario() {}

    /** Sent to {@link Group#CAPPED} and finished before the stop: it fills their frequency cap. */
    public static final String CAP_SETTER = "mig-cap-setter";
    /** Fired at the {@code now} tag, stopped in the middle of its walk. */
    public static final String STOPPED = "mig-stopped-walk";
    /** A local-time campaign for the {@code later} tag, pending at the stop. */
    public static final String LOCAL_TIME = "mig-local-time";

    /** The app's frequency cap: one campaign per user in a window no restore will outlive. */
    public static final int CAP_MAX = 1;

    public static final String CAP_WINDOW = "P36500D";
    /**
     * The snapshot is restored long after it was taken: the walk left unfinished in it, and the
     * answers since its checkpoint, must count as within the replay window.
     */
    public static final long REPLAY_WINDOW_MS = 36_500L * 24 * 3_600_000;
    /** Devices expire after this many idle days (state TTL): longer than any snapshot will wait. */
    public static final int DEVICE_TTL_DAYS = 36_500;

    public static final String UTC = "UTC";
    public static final String TOKYO = "Asia/Tokyo";

    /** Which campaigns a user is for. */
    public enum Group {
        CAPPED("now", "early"),
        WALK("now"),
        LOCAL("later");

        public final String[] tags;

        Group(String... tags) {
            this.tags = tags;
        }
    }

    /** One device of the snapshot, and what the emulators counted for it when the job stopped. */
    public record Device(
            String userId,
            String deviceId,
            Platform platform,
            String token,
            String locale,
            String zone,
            boolean optIn,
            Group group,
            int receivedBeforeStop) {

        /** Its register event on the devices topic. */
        public byte[] registerEvent(String name, int streak, long version) {
            StringBuilder tags = new StringBuilder();
            for (String t : group.tags) {
                tags.append(tags.length() == 0 ? "" : ",").append('"').append(t).append('"');
            }
            String json = "{\"type\":\"register\",\"userId\":\"" + userId + "\",\"deviceId\":\"" + deviceId
                    + "\",\"appId\":\"" + Sandbox.APP_ID + "\",\"platform\":\"" + platform.wire() + "\",\"token\":\""
                    + token + "\",\"locale\":\"" + locale + "\",\"timezone\":\"" + zone
                    + "\",\"appVersion\":\"5.2.0\",\"optIn\":" + optIn + ",\"attributes\":{\"name\":\"" + name
                    + "\",\"streak\":" + streak + "},\"tags\":[" + tags + "],\"version\":" + version + "}";
            return json.getBytes(StandardCharsets.UTF_8);
        }

        Device withReceivedBeforeStop(int n) {
            return new Device(userId, deviceId, platform, token, locale, zone, optIn, group, n);
        }
    }

    /** The group of the {@code u}-th user, and the zone of its devices. */
    static Group groupOf(int u) {
        int r = u % 10;
        return r < 3 ? Group.LOCAL : r < 5 ? Group.CAPPED : Group.WALK;
    }

    static String zoneOf(int u) {
        return groupOf(u) == Group.LOCAL && (u / 10) % 3 == 0 ? TOKYO : UTC;
    }

    /** A segment of the sandbox app's devices with {@code tag}. */
    static String tagged(String tag) {
        return "{\"kind\":\"segment\",\"tags\":[\"" + tag + "\"]}";
    }

    static byte[] createCapSetter() {
        return DemoCampaign.create(CAP_SETTER, tagged("early"));
    }

    static byte[] createStopped(int maxPerSecond) {
        return DemoCampaign.create(STOPPED, tagged("now"), maxPerSecond);
    }

    static byte[] createLocalTime(String date, String localTime) {
        String json = new String(DemoCampaign.create(LOCAL_TIME, tagged("later")), StandardCharsets.UTF_8)
                .replaceFirst(
                        "^\\{",
                        "{\"schedule\":{\"date\":\"" + date + "\",\"localTime\":\"" + localTime
                                + "\",\"defaultTimezone\":\"UTC\",\"passedZones\":\"skip\"},");
        return json.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------------
    // devices.jsonl
    // ---------------------------------------------------------------------------------------------

    private static final ObjectMapper JSON = new ObjectMapper();

    static void writeDevices(Path file, List<Device> devices) throws IOException {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Device d : devices) {
                ObjectNode n = JSON.createObjectNode();
                n.put("userId", d.userId());
                n.put("deviceId", d.deviceId());
                n.put("platform", d.platform().wire());
                n.put("token", d.token());
                n.put("locale", d.locale());
                n.put("zone", d.zone());
                n.put("optIn", d.optIn());
                n.put("group", d.group().name());
                n.put("receivedBeforeStop", d.receivedBeforeStop());
                w.write(JSON.writeValueAsString(n));
                w.write('\n');
            }
        }
    }

    /** The devices of a snapshot, with what each had received when the job stopped. */
    public static List<Device> readDevices(Path file) throws IOException {
        List<Device> devices = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode n = JSON.readTree(line);
            devices.add(new Device(
                    n.get("userId").asText(),
                    n.get("deviceId").asText(),
                    "ios".equals(n.get("platform").asText()) ? Platform.IOS : Platform.ANDROID,
                    n.get("token").asText(),
                    n.get("locale").asText(),
                    n.get("zone").asText(),
                    n.get("optIn").asBoolean(),
                    Group.valueOf(n.get("group").asText()),
                    n.get("receivedBeforeStop").asInt()));
        }
        return devices;
    }
}
