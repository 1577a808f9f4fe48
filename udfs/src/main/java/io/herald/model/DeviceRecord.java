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
