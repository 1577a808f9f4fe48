package io.herald.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What Herald knows about one device of a user. Every field is a last-writer-wins register (a
 * value and the version that wrote it), the tags a last-writer-wins element set, install state two
 * tombstone versions, and token rejections the newest version per token: merges are commutative
 * and idempotent (see {@code DeviceStateMerge}).
 */
public class DeviceRecord {
    public static final long NEVER = Long.MIN_VALUE;

    public String deviceId;
    public String appId;
    public long appIdV = NEVER;
    public Platform platform;
    public long platformV = NEVER;
    /** The push token; a web device's push subscription endpoint. */
    public String token;

    public long tokenV = NEVER;
    /** A web device's subscription keys, written with {@link #token} (at {@link #tokenV}); null otherwise. */
    public PushKeys pushKeys;
    /** A web device's browser, written with its subscription; null if not said. */
    public String browser;

    public String locale;
    public long localeV = NEVER;
    public String timezone;
    public long timezoneV = NEVER;
    public String appVersion;
    public long appVersionV = NEVER;
    public Boolean optIn;
    public long optInV = NEVER;
    public long lastSeen = NEVER;
    public long lastSeenV = NEVER;
    public long registeredV = NEVER;
    public long uninstalledV = NEVER;
    public Map<String, TagVersions> tags = new HashMap<>();
    public long tagsClearedV = NEVER;
    /**
     * Live Activity push-to-start tokens by activity type (the app's {@code ActivityAttributes} type
     * name): each a last-writer-wins register.
     */
    public Map<String, LiveActivityToken> pushToStart = new HashMap<>();
    /** Live Activity update tokens by activity id (Herald's name for a running activity): each a register. */
    public Map<String, LiveActivityToken> activityTokens = new HashMap<>();
    /** Per token, the newest version at which a provider (or another device's claim) rejected it. */
    public Map<String, Long> rejections = new HashMap<>();
    /**
     * When the job last wrote this device (processing time), from which it expires; {@link #NEVER}
     * for a device that never expires (the merge in memory, tests).
     */
    public long writtenAt = NEVER;

    public DeviceRecord() {}

    /** When a tag was last added and last removed. */
    public static class TagVersions {
        public long addV = NEVER;
        public long removeV = NEVER;

        public TagVersions() {}

        @Override
        public boolean equals(Object o) {
            return o instanceof TagVersions && ((TagVersions) o).addV == addV && ((TagVersions) o).removeV == removeV;
        }

        @Override
        public int hashCode() {
            return Objects.hash(addV, removeV);
        }
    }

    /**
     * One Live Activity token: the token and the version that wrote it, and the version at which the
     * activity (for an update token) was said to have ended on the device. The merge keeps one of the
     * two: a token newer than the end ({@link #endedV} never), or the end alone ({@link #token} null,
     * {@link #v} never), so that the register's state is the same whichever writes came first.
     */
    public static class LiveActivityToken {
        public String token;
        public long v = NEVER;
        public long endedV = NEVER;

        public LiveActivityToken() {}

        public static LiveActivityToken of(String token, long v) {
            LiveActivityToken t = new LiveActivityToken();
            t.token = token;
            t.v = v;
            return t;
        }

        /** The end of an activity at {@code endedV}: a tombstone that only a newer token lifts. */
        public static LiveActivityToken ended(long endedV) {
            LiveActivityToken t = new LiveActivityToken();
            t.endedV = endedV;
            return t;
        }

        /** The version of the newest write the register holds, a token's or an end's. */
        public long version() {
            return Math.max(v, endedV);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof LiveActivityToken t && Objects.equals(t.token, token) && t.v == v && t.endedV == endedV;
        }

        @Override
        public int hashCode() {
            return Objects.hash(token, v, endedV);
        }
    }

    /**
     * The live push-to-start token for {@code activityType}: null when the device has none, is no iOS
     * device of an installed app, or a provider rejected the token at or after it was written.
     */
    public LiveActivityToken pushToStart(String activityType) {
        return live(pushToStart.get(activityType));
    }

    /** The live update token of the running activity {@code activityId}; null as for {@link #pushToStart}, or when it ended. */
    public LiveActivityToken activityToken(String activityId) {
        return live(activityTokens.get(activityId));
    }

    private LiveActivityToken live(LiveActivityToken t) {
        if (t == null
                || t.token == null
                || t.v <= t.endedV
                || platform != Platform.IOS
                || appId == null
                || !installed()) {
            return null;
        }
        Long rejected = rejections.get(t.token);
        return rejected != null && rejected >= t.v ? null : t;
    }

    /** Registered more recently than uninstalled (an uninstall wins a tie). */
    public boolean installed() {
        return registeredV != NEVER && registeredV > uninstalledV;
    }

    /** The current token was rejected at or after the version that set it. */
    public boolean tokenDead() {
        Long rejected = token == null ? null : rejections.get(token);
        return rejected != null && rejected >= tokenV;
    }

    /** True when a notification may be sent to this device now. */
    public boolean reachable() {
        return token != null
                && platform != null
                && (platform != Platform.WEB || pushKeys != null)
                && appId != null
                && !Boolean.FALSE.equals(optIn)
                && installed()
                && !tokenDead();
    }

    public boolean hasTag(String tag) {
        TagVersions t = tags.get(tag);
        return t != null && t.addV > t.removeV && t.addV >= tagsClearedV;
    }

    /** The tags the device has now. */
    public List<String> currentTags() {
        List<String> present = new ArrayList<>();
        for (String t : tags.keySet()) {
            if (hasTag(t)) {
                present.add(t);
            }
        }
        return present;
    }
}
