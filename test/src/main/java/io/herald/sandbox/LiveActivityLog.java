package io.herald.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the sandbox's iOS devices' Live Activities received, counted at the APNs emulator: per device
 * and activity, the starts, updates and ends that reached it, whether pushed to one of its tokens
 * ({@link ApnsEmulator}) or broadcast on a channel it listens on ({@link ApnsChannelService}); so
 * lost and duplicated Live Activity pushes are counted from the provider's side, as {@link
 * TokenRegistry} counts alerts.
 *
 * <p>A device is named by the push-to-start token its activity was started on, or, for a push to an
 * update token nobody {@linkplain #linkUpdateToken linked} to a device, by that update token. An
 * update is the same update as another if its {@code aps.timestamp} and its {@code content-state}
 * (compared as JSON, field order aside) are equal: a device that got one twice counts a duplicate.
 *
 * <p>Also the device side of broadcast channels: which channels exist for a start to subscribe to
 * ({@link #openChannel}, by the channel service), and which devices' activities listen on each (a
 * start carrying {@code input-push-channel}, as iOS subscribes an activity started with a channel).
 *
 * <p>Thread-safe. Bounded: at most {@link #MAX_DEVICE_ACTIVITIES} device activities, {@link
 * #MAX_DISTINCT_UPDATES} distinct updates and {@link #MAX_CHANNELS} channels; what would go past a
 * bound is not recorded but counted in {@link #overflowed()}, which a test should find 0. The last
 * {@link #MAX_BROADCASTS} broadcasts are kept.
 */
public final class LiveActivityLog {
    /** Device activities kept (a device and an activity id); a scale run has one or two per device. */
    public static final int MAX_DEVICE_ACTIVITIES = 4_000_000;

    /** Distinct updates (timestamp and content-state) told apart; a scenario sends tens to thousands. */
    public static final int MAX_DISTINCT_UPDATES = 1_000_000;

    /** Broadcasts remembered, the latest ones. */
    public static final int MAX_BROADCASTS = 10_000;

    /** Channels open at once: APNs lets an app have 10,000. */
    public static final int MAX_CHANNELS = 10_000;

    /** The activity id of a push whose activity is unknown (no start seen and no link). */
    public static final String UNKNOWN_ACTIVITY = "";

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Writes content-states with their fields sorted, so equal states compare equal as text. */
    private static final ObjectMapper CANONICAL =
            new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    /** What a Live Activity push does to the activity. */
    public enum Event {
        START,
        UPDATE,
        END;

        /** The event of a payload's {@code aps.event}, or null if it names none of these. */
        static Event of(String text) {
            return switch (text) {
                case "start" -> START;
                case "update" -> UPDATE;
                case "end" -> END;
                default -> null;
            };
        }
    }

    /**
     * A Live Activity payload as the emulators read it: its event, {@code aps.timestamp} (0 if
     * absent), content-state (canonical JSON, "" if absent), the start's {@code
     * attributes.heraldActivityId} and {@code input-push-channel} (null if absent).
     */
    record Payload(Event event, long timestamp, String contentState, String activityId, String inputPushChannel) {
        /**
         * Reads a payload.
         *
         * @throws IllegalArgumentException if it is not JSON with {@code aps.event} start, update or end
         */
        static Payload parse(String json) {
            JsonNode aps;
            try {
                aps = JSON.readTree(json).path("aps");
            } catch (IOException e) {
                throw new IllegalArgumentException("the payload is not JSON");
            }
            Event event = Event.of(aps.path("event").asText(""));
            if (event == null) {
                throw new IllegalArgumentException("aps.event is not start, update or end");
            }
            String state = "";
            JsonNode contentState = aps.get("content-state");
            if (contentState != null) {
                try {
                    state = CANONICAL.writeValueAsString(JSON.treeToValue(contentState, Object.class));
                } catch (IOException e) {
                    throw new IllegalArgumentException("content-state does not read", e);
                }
            }
            JsonNode activity = aps.path("attributes").get("heraldActivityId");
            JsonNode channel = aps.get("input-push-channel");
            return new Payload(
                    event,
                    aps.path("timestamp").asLong(0),
                    state,
                    activity == null ? null : activity.asText(),
                    channel == null ? null : channel.asText());
        }
    }

    /** What one device's activity received: starts, updates (all, and distinct ones), ends. */
    public record Received(int starts, int updates, int distinctUpdates, int ends) {
        /** Updates that arrived again: all updates less the distinct ones. */
        public int duplicateUpdates() {
            return updates - distinctUpdates;
        }
    }

    /**
     * One broadcast as the emulator fanned it out: its channel, event, {@code aps.timestamp} and
     * content-state; when it was accepted (its answer written) and when the fan-out loop ended, the
     * last subscribed device reached (epoch ms); the devices reached, all and per activity id.
     */
    public record Broadcast(
            long sequence,
            String channelId,
            Event event,
            long apsTimestamp,
            String contentState,
            long acceptedAtMillis,
            long lastReachedAtMillis,
            int devicesReached,
            Map<String, Integer> devicesByActivity) {}

    /**
     * What the devices of one activity saw, as a scenario judges it.
     *
     * @param devicesStarted devices that received a start for it
     * @param starts starts received (more than devicesStarted: starts duplicated)
     * @param devicesByUpdates for each number of distinct updates, how many devices received that
     *     many (devices with none included, if they started)
     * @param updates updates received, all
     * @param duplicateUpdates updates received again by a device that had them
     * @param devicesWithDuplicates devices with at least one duplicate update
     * @param devicesEnded devices that received an end
     * @param ends ends received
     * @param devicesWithoutStart devices that received an update or an end but no start
     * @param broadcasts the broadcasts that reached devices of this activity, oldest first
     */
    public record Summary(
            String activityId,
            int devicesStarted,
            int starts,
            SortedMap<Integer, Integer> devicesByUpdates,
            long updates,
            long duplicateUpdates,
            int devicesWithDuplicates,
            int devicesEnded,
            int ends,
            int devicesWithoutStart,
            List<Broadcast> broadcasts) {
        /** Devices that received exactly {@code n} distinct updates. */
        public int devicesWithUpdates(int n) {
            return devicesByUpdates.getOrDefault(n, 0);
        }
    }

    /** A device's activity: the key its counts are kept under. */
    private record DeviceActivity(String device, String activityId) {}

    /** The counts of one device's activity; its own lock, taken briefly per push. */
    private static final class Counts {
        int starts;
        int ends;
        int updates;
        /** The distinct updates received (ids from {@link #updateIds}) and how often each came. */
        int[] updateIds = new int[4];

        int[] updateCounts = new int[4];
        int distinct;

        synchronized void start() {
            starts++;
        }

        synchronized void end() {
            ends++;
        }

        synchronized void update(int id) {
            updates++;
            for (int i = 0; i < distinct; i++) {
                if (updateIds[i] == id) {
                    updateCounts[i]++;
                    return;
                }
            }
            if (distinct == updateIds.length) {
                updateIds = Arrays.copyOf(updateIds, distinct * 2);
                updateCounts = Arrays.copyOf(updateCounts, distinct * 2);
            }
            updateIds[distinct] = id;
            updateCounts[distinct] = 1;
            distinct++;
        }

        synchronized Received read() {
            return new Received(starts, updates, distinct, ends);
        }
    }

    private final Map<DeviceActivity, Counts> counts = new ConcurrentHashMap<>();
    /** Each distinct update (timestamp and canonical content-state) numbered, so devices keep ints. */
    private final Map<String, Integer> updateIds = new ConcurrentHashMap<>();

    private final AtomicInteger nextUpdateId = new AtomicInteger();
    /** Each device's latest started activity: the activity of a push to it that names none. */
    private final Map<String, String> latestActivity = new ConcurrentHashMap<>();
    /** Update tokens linked to the device and activity they update. */
    private final Map<String, DeviceActivity> updateTokens = new ConcurrentHashMap<>();
    /** Open channels, each with the device activities listening on it. */
    private final Map<String, Set<DeviceActivity>> channels = new ConcurrentHashMap<>();

    private final Deque<Broadcast> broadcasts = new ArrayDeque<>();
    private final AtomicLong broadcastSequence = new AtomicLong();
    private final AtomicLong overflowed = new AtomicLong();
    private final AtomicLong startsOnUnknownChannels = new AtomicLong();

    /**
     * The activity started on {@code device} (its push-to-start token) got {@code updateToken}, as
     * the app reports it: pushes to that token count for that device and activity. Without a link a
     * push to an update token counts for the token itself as a device.
     */
    public void linkUpdateToken(String updateToken, String device, String activityId) {
        if (updateTokens.size() >= MAX_DEVICE_ACTIVITIES) {
            overflowed.incrementAndGet();
            return;
        }
        updateTokens.put(updateToken, new DeviceActivity(device, activityId));
    }

    /** A push accepted for {@code token}, its payload read: counted for the device and activity it reached. */
    void recordPush(String token, Payload payload) {
        if (payload.event() == Event.START) {
            String activity = payload.activityId() == null ? UNKNOWN_ACTIVITY : payload.activityId();
            DeviceActivity key = new DeviceActivity(token, activity);
            Counts c = countsOf(key);
            if (c == null) {
                return;
            }
            c.start();
            latestActivity.put(token, activity);
            if (payload.inputPushChannel() != null && !subscribe(payload.inputPushChannel(), key)) {
                startsOnUnknownChannels.incrementAndGet();
            }
            return;
        }
        DeviceActivity key = updateTokens.get(token);
        if (key == null) {
            key = new DeviceActivity(token, latestActivity.getOrDefault(token, UNKNOWN_ACTIVITY));
        }
        record(key, payload.event(), updateId(payload));
    }

    private void record(DeviceActivity key, Event event, int updateId) {
        Counts c = countsOf(key);
        if (c == null) {
            return;
        }
        if (event == Event.END) {
            c.end();
        } else if (updateId >= 0) {
            c.update(updateId);
        }
    }

    private Counts countsOf(DeviceActivity key) {
        Counts c = counts.get(key);
        if (c != null) {
            return c;
        }
        if (counts.size() >= MAX_DEVICE_ACTIVITIES) {
            overflowed.incrementAndGet();
            return null;
        }
        return counts.computeIfAbsent(key, k -> new Counts());
    }

    /** The number of this update (-1, counted as overflow, past {@link #MAX_DISTINCT_UPDATES}); -1 for an end. */
    private int updateId(Payload payload) {
        if (payload.event() != Event.UPDATE) {
            return -1;
        }
        String identity = payload.timestamp() + "\n" + payload.contentState();
        Integer id = updateIds.get(identity);
        if (id != null) {
            return id;
        }
        if (updateIds.size() >= MAX_DISTINCT_UPDATES) {
            overflowed.incrementAndGet();
            return -1;
        }
        return updateIds.computeIfAbsent(identity, k -> nextUpdateId.getAndIncrement());
    }

    /** A channel now exists for starts to subscribe to; false if {@link #MAX_CHANNELS} are open. */
    boolean openChannel(String channelId) {
        if (channels.size() >= MAX_CHANNELS) {
            return false;
        }
        channels.putIfAbsent(channelId, ConcurrentHashMap.newKeySet());
        return true;
    }

    /** The channel is gone, and every subscription to it. */
    void closeChannel(String channelId) {
        channels.remove(channelId);
    }

    boolean channelOpen(String channelId) {
        return channels.containsKey(channelId);
    }

    private boolean subscribe(String channelId, DeviceActivity key) {
        Set<DeviceActivity> listeners = channels.get(channelId);
        if (listeners == null) {
            return false;
        }
        listeners.add(key);
        return true;
    }

    /**
     * Fans a broadcast accepted at {@code acceptedAtMillis} out to every device activity listening on
     * the channel now, counting it for each; null if the channel is not open.
     */
    Broadcast fanOut(String channelId, Payload payload, long acceptedAtMillis) {
        Set<DeviceActivity> listeners = channels.get(channelId);
        if (listeners == null) {
            return null;
        }
        int updateId = updateId(payload);
        Map<String, Integer> byActivity = new HashMap<>();
        int reached = 0;
        for (DeviceActivity key : listeners) {
            record(key, payload.event(), updateId);
            byActivity.merge(key.activityId(), 1, Integer::sum);
            reached++;
        }
        Broadcast b = new Broadcast(
                broadcastSequence.incrementAndGet(),
                channelId,
                payload.event(),
                payload.timestamp(),
                payload.contentState(),
                acceptedAtMillis,
                System.currentTimeMillis(),
                reached,
                Map.copyOf(byActivity));
        synchronized (broadcasts) {
            if (broadcasts.size() >= MAX_BROADCASTS) {
                broadcasts.removeFirst();
            }
            broadcasts.addLast(b);
        }
        return b;
    }

    /** What {@code device}'s activity {@code activityId} received; all zero if nothing. */
    public Received received(String device, String activityId) {
        Counts c = counts.get(new DeviceActivity(device, activityId));
        return c == null ? new Received(0, 0, 0, 0) : c.read();
    }

    /** The devices whose activities listen on {@code channelId} now (0 if the channel is not open). */
    public int subscribers(String channelId) {
        Set<DeviceActivity> listeners = channels.get(channelId);
        return listeners == null ? 0 : listeners.size();
    }

    /** The broadcasts fanned out since the last reset (the latest {@link #MAX_BROADCASTS}), oldest first. */
    public List<Broadcast> broadcasts() {
        synchronized (broadcasts) {
            return List.copyOf(broadcasts);
        }
    }

    /** What the devices of {@code activityId} saw; read over every device, so a test's, not a hot path's. */
    public Summary summary(String activityId) {
        int devicesStarted = 0;
        int starts = 0;
        SortedMap<Integer, Integer> byUpdates = new TreeMap<>();
        long updates = 0;
        long duplicates = 0;
        int devicesWithDuplicates = 0;
        int devicesEnded = 0;
        int ends = 0;
        int withoutStart = 0;
        for (Map.Entry<DeviceActivity, Counts> e : counts.entrySet()) {
            if (!e.getKey().activityId().equals(activityId)) {
                continue;
            }
            Received r = e.getValue().read();
            starts += r.starts();
            if (r.starts() > 0) {
                devicesStarted++;
            } else if (r.updates() > 0 || r.ends() > 0) {
                withoutStart++;
            }
            byUpdates.merge(r.distinctUpdates(), 1, Integer::sum);
            updates += r.updates();
            duplicates += r.duplicateUpdates();
            if (r.duplicateUpdates() > 0) {
                devicesWithDuplicates++;
            }
            if (r.ends() > 0) {
                devicesEnded++;
            }
            ends += r.ends();
        }
        List<Broadcast> reaching = new ArrayList<>();
        for (Broadcast b : broadcasts()) {
            if (b.devicesByActivity().containsKey(activityId)) {
                reaching.add(b);
            }
        }
        return new Summary(
                activityId,
                devicesStarted,
                starts,
                Collections.unmodifiableSortedMap(byUpdates),
                updates,
                duplicates,
                devicesWithDuplicates,
                devicesEnded,
                ends,
                withoutStart,
                List.copyOf(reaching));
    }

    /** Pushes or subscriptions not recorded because a bound was reached; 0 in a sound run. */
    public long overflowed() {
        return overflowed.get();
    }

    /** Starts naming an {@code input-push-channel} that was not open: their devices listen on nothing. */
    public long startsOnUnknownChannels() {
        return startsOnUnknownChannels.get();
    }

    /**
     * Forgets what was received and broadcast, before the next scenario; channels, their
     * subscriptions and update token links stay, as a device keeps its activity across a reset.
     */
    public void resetCounts() {
        counts.clear();
        updateIds.clear();
        synchronized (broadcasts) {
            broadcasts.clear();
        }
        overflowed.set(0);
        startsOnUnknownChannels.set(0);
    }
}
