package io.herald.state;

import io.herald.model.AttributeValue;
import io.herald.model.AudienceRow;
import io.herald.model.DeviceEvent;
import io.herald.model.DeviceRecord;
import io.herald.model.DeviceRecord.LiveActivityToken;
import io.herald.model.PushKeys;
import io.herald.model.UserDevices;
import io.herald.model.UserProfile;
import io.herald.model.UserState;
import java.time.Duration;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * Applies device events to a user's state so that order and repetition do not matter: applying any
 * permutation of any multiset of the same events gives the same state.
 *
 * <ul>
 *   <li>Every device field is a last-writer-wins register by version; at equal versions the greater
 *       value wins, so replicas agree without coordination.
 *   <li>Tags are a last-writer-wins element set (a removal wins a tie); a registration's tag list
 *       replaces the set from its version on.
 *   <li>Attributes are last-writer-wins one by one; removals leave versioned tombstones.
 *   <li>Uninstall is a tombstone version: the device is installed while its newest registration is
 *       newer than its newest uninstall.
 *   <li>A token rejection kills the token it names unless that token was registered after it.
 *   <li>Each Live Activity token (push-to-start by activity type, update token by activity id) is a
 *       last-writer-wins register; an activity's end is a value of its register that beats a token
 *       of the same version. The maps are bounded, and update tokens expire, by rules that depend
 *       only on the versions written, never on the order they came in (see {@link #putLiveActivity}).
 *   <li>Erasing a user forgets every component written at or below the erase version, and later
 *       events at or below it are ignored: the state is what the newer events alone would make.
 * </ul>
 */
public final class DeviceStateMerge {
    /** The most push-to-start tokens a device keeps (one per activity type of its app). */
    public static final int MAX_PUSH_TO_START = 16;
    /** The most running activities' update tokens (or ends) a device keeps. */
    public static final int MAX_ACTIVITY_TOKENS = 32;
    /**
     * How much older than the device's newest activity write an activity's update token may be before
     * it is dropped: a Live Activity lives at most 12 hours (8 active, 4 more on the lock screen), so
     * one written a day before the device's latest activity is over, with room for clocks that disagree.
     */
    public static final long ACTIVITY_TOKEN_LIFETIME_MILLIS =
            Duration.ofHours(24).toMillis();

    /**
     * The order of a Live Activity register's writes: by version, then an end before a token (an end
     * wins a tie, as {@link DeviceRecord#activityToken} reads it), then by token.
     */
    private static final Comparator<LiveActivityToken> LIVE_ACTIVITY_WRITES = Comparator.comparingLong(
                    LiveActivityToken::version)
            .thenComparing(t -> t.token == null)
            .thenComparing(t -> t.token, Comparator.nullsFirst(Comparator.naturalOrder()));

    private DeviceStateMerge() {}

    /** Applies {@code event} to an in-memory user. */
    public static UserState apply(UserState state, DeviceEvent event) {
        try {
            apply(state.profile, UserDevices.of(state.devices), event);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return state;
    }

    /** Applies {@code event} to a user's profile and devices, wherever they are kept. */
    public static void apply(UserProfile profile, UserDevices devices, DeviceEvent event) throws Exception {
        if (event.version <= profile.erasedV) {
            return;
        }
        switch (event.type) {
            case ATTRIBUTES_SET:
                if (event.attributes != null) {
                    event.attributes.forEach((name, value) -> setAttribute(profile, name, value));
                }
                return;
            case ATTRIBUTES_UNSET:
                if (event.unset != null) {
                    event.unset.forEach(name -> setAttribute(profile, name, AttributeValue.tombstone(event.version)));
                }
                return;
            case ERASE_USER:
                erase(profile, devices, event.version);
                return;
            case CLAIMS_RELEASED:
                return; // for the claim stages only
            default:
                break;
        }
        if ((event.type == DeviceEvent.Type.REGISTER || event.type == DeviceEvent.Type.UPDATE)
                && event.attributes != null) {
            event.attributes.forEach((name, value) -> setAttribute(profile, name, value));
        }
        DeviceRecord d = devices.get(event.deviceId);
        if (d == null) {
            d = new DeviceRecord();
            d.deviceId = event.deviceId;
        }
        applyToDevice(d, event);
        devices.put(event.deviceId, d);
    }

    /** Records that the user is in the uploaded audience of a campaign; idempotent. */
    public static void apply(UserProfile profile, AudienceRow row) {
        // Kept sorted, so the list is the same whatever order the rows came in.
        int at = Collections.binarySearch(profile.audienceCampaigns, row.campaignId);
        if (at < 0) {
            profile.audienceCampaigns.add(-at - 1, row.campaignId);
        }
    }

    public static UserState apply(UserState state, AudienceRow row) {
        apply(state.profile, row);
        return state;
    }

    private static void setAttribute(UserProfile profile, String name, AttributeValue value) {
        if (value.version <= profile.erasedV) {
            return;
        }
        AttributeValue current = profile.attributes.get(name);
        if (value.beats(current)) {
            profile.attributes.put(name, value);
        }
    }

    static void applyToDevice(DeviceRecord d, DeviceEvent e) {
        long v = e.version;
        switch (e.type) {
            case REGISTER:
            case UPDATE:
                if (e.type == DeviceEvent.Type.REGISTER) {
                    d.registeredV = Math.max(d.registeredV, v);
                }
                if (e.appId != null && wins(v, e.appId, d.appIdV, d.appId)) {
                    d.appId = e.appId;
                    d.appIdV = v;
                }
                if (e.platform != null && wins(v, e.platform.name(), d.platformV, name(d.platform))) {
                    d.platform = e.platform;
                    d.platformV = v;
                }
                if (e.token != null
                        && wins(v, subscription(e.token, e.pushKeys, e.browser), d.tokenV, subscription(d))) {
                    // A web subscription's keys and browser go with its endpoint: one register.
                    d.token = e.token;
                    d.tokenV = v;
                    d.pushKeys = e.pushKeys;
                    d.browser = e.browser;
                }
                if (e.locale != null && wins(v, e.locale, d.localeV, d.locale)) {
                    d.locale = e.locale;
                    d.localeV = v;
                }
                if (e.timezone != null && wins(v, e.timezone, d.timezoneV, d.timezone)) {
                    d.timezone = e.timezone;
                    d.timezoneV = v;
                }
                if (e.appVersion != null && wins(v, e.appVersion, d.appVersionV, d.appVersion)) {
                    d.appVersion = e.appVersion;
                    d.appVersionV = v;
                }
                if (e.optIn != null && wins(v, e.optIn.toString(), d.optInV, Objects.toString(d.optIn, null))) {
                    d.optIn = e.optIn;
                    d.optInV = v;
                }
                if (e.tags != null) {
                    d.tagsClearedV = Math.max(d.tagsClearedV, v);
                    e.tags.forEach(t -> tag(d, t).addV = Math.max(tag(d, t).addV, v));
                }
                break;
            case TAGS_ADD:
                e.tags.forEach(t -> tag(d, t).addV = Math.max(tag(d, t).addV, v));
                break;
            case TAGS_REMOVE:
                e.tags.forEach(t -> tag(d, t).removeV = Math.max(tag(d, t).removeV, v));
                break;
            case UNINSTALL:
                d.uninstalledV = Math.max(d.uninstalledV, v);
                break;
            case TOKEN_REJECTED:
                d.rejections.merge(e.token, v, Math::max);
                break;
            case LIVE_ACTIVITY_TOKEN:
                if (e.token == null) {
                    break; // refused before the merge; nothing to write
                }
                if (e.activityId == null) {
                    if (e.activityType != null) {
                        putLiveActivity(
                                d.pushToStart, e.activityType, LiveActivityToken.of(e.token, v), MAX_PUSH_TO_START);
                    }
                } else {
                    putLiveActivity(
                            d.activityTokens, e.activityId, LiveActivityToken.of(e.token, v), MAX_ACTIVITY_TOKENS);
                }
                break;
            case LIVE_ACTIVITY_ENDED:
                if (e.activityId != null) {
                    putLiveActivity(d.activityTokens, e.activityId, LiveActivityToken.ended(v), MAX_ACTIVITY_TOKENS);
                }
                break;
            default:
                throw new IllegalArgumentException("not a device event: " + e.type);
        }
        if (e.lastSeen != null && (v > d.lastSeenV || (v == d.lastSeenV && e.lastSeen > d.lastSeen))) {
            d.lastSeen = e.lastSeen;
            d.lastSeenV = v;
        }
        // After every event, not only Live Activity ones: any event may raise the device's newest version.
        expireActivityTokens(d);
    }

    /**
     * Writes {@code write} into the register {@code key} of {@code registers} if it beats what is
     * there, then, over {@code max} registers, drops the one whose newest write is oldest (the
     * greatest key goes first at equal versions). The outcome depends only on the writes: a register
     * dropped had {@code max} others with newer writes, which stay newer, so it would be dropped
     * whenever it came; and a register kept holds the newest of its writes, since a write that beats
     * it cannot have been dropped after arriving without it being dropped too.
     */
    private static void putLiveActivity(
            Map<String, LiveActivityToken> registers, String key, LiveActivityToken write, int max) {
        LiveActivityToken current = registers.get(key);
        if (current == null || LIVE_ACTIVITY_WRITES.compare(write, current) > 0) {
            registers.put(key, write);
        }
        if (registers.size() > max) {
            Map.Entry<String, LiveActivityToken> oldest = Collections.min(
                    registers.entrySet(),
                    Comparator.comparingLong((Map.Entry<String, LiveActivityToken> r) ->
                                    r.getValue().version())
                            .thenComparing(Map.Entry::getKey, Comparator.reverseOrder()));
            registers.remove(oldest.getKey());
        }
    }

    /**
     * Drops the update tokens (and ends) of activities written more than
     * {@link #ACTIVITY_TOKEN_LIFETIME_MILLIS} before the device's newest activity write. Order-independent: the
     * newest write only grows, so a register dropped once would be dropped again if it came later
     * (it does, checked after each event), and what is dropped is never the newest write itself.
     */
    private static void expireActivityTokens(DeviceRecord d) {
        if (d.activityTokens.isEmpty()) {
            return;
        }
        // Against the newest of the activity tokens alone: an event of another kind dated ahead (a
        // phone's clock, a producer writing microseconds) would otherwise expire every token it has.
        long newest = DeviceRecord.NEVER;
        for (LiveActivityToken t : d.activityTokens.values()) {
            newest = Math.max(newest, t.version());
        }
        if (newest >= DeviceRecord.NEVER + ACTIVITY_TOKEN_LIFETIME_MILLIS) { // no underflow below
            long oldestKept = newest - ACTIVITY_TOKEN_LIFETIME_MILLIS;
            d.activityTokens.values().removeIf(t -> t.version() < oldestKept);
        }
    }

    /** Forgets everything of the user written at or below {@code version}. */
    private static void erase(UserProfile profile, UserDevices devices, long version) throws Exception {
        profile.erasedV = Math.max(profile.erasedV, version);
        long cut = profile.erasedV;
        profile.attributes.values().removeIf(a -> a.version <= cut);
        profile.audienceCampaigns.clear();
        profile.campaignSends.clear();
        profile.runaway.clear();
        // What the user's apps reported and the campaigns measured of the user go too (they carry no
        // versions of their own): segments no longer see the user's activity.
        profile.exposures.clear();
        profile.recentEventIds.clear();
        profile.lastOpenedAt = DeviceRecord.NEVER;
        profile.lastEvents.clear();
        profile.pending.clear();
        for (String id : devices.ids()) {
            DeviceRecord d = devices.get(id);
            if (prune(d, cut)) {
                devices.remove(id);
            } else {
                devices.put(id, d);
            }
        }
    }

    /** Clears every component of {@code d} written at or below {@code cut}; true if nothing is left. */
    static boolean prune(DeviceRecord d, long cut) {
        long never = DeviceRecord.NEVER;
        if (d.appIdV <= cut) {
            d.appId = null;
            d.appIdV = never;
        }
        if (d.platformV <= cut) {
            d.platform = null;
            d.platformV = never;
        }
        if (d.tokenV <= cut) {
            d.token = null;
            d.tokenV = never;
            d.pushKeys = null;
            d.browser = null;
        }
        if (d.localeV <= cut) {
            d.locale = null;
            d.localeV = never;
        }
        if (d.timezoneV <= cut) {
            d.timezone = null;
            d.timezoneV = never;
        }
        if (d.appVersionV <= cut) {
            d.appVersion = null;
            d.appVersionV = never;
        }
        if (d.optInV <= cut) {
            d.optIn = null;
            d.optInV = never;
        }
        if (d.registeredV <= cut) {
            d.registeredV = never;
        }
        if (d.uninstalledV <= cut) {
            d.uninstalledV = never;
        }
        if (d.tagsClearedV <= cut) {
            d.tagsClearedV = never;
        }
        for (Iterator<Map.Entry<String, DeviceRecord.TagVersions>> it =
                        d.tags.entrySet().iterator();
                it.hasNext(); ) {
            DeviceRecord.TagVersions t = it.next().getValue();
            if (t.addV <= cut) {
                t.addV = never;
            }
            if (t.removeV <= cut) {
                t.removeV = never;
            }
            if (t.addV == never && t.removeV == never) {
                it.remove();
            }
        }
        d.rejections.values().removeIf(r -> r <= cut);
        // A Live Activity register holds one write (a token, or an end): it goes if that write does.
        d.pushToStart.values().removeIf(t -> t.version() <= cut);
        d.activityTokens.values().removeIf(t -> t.version() <= cut);
        if (d.lastSeenV <= cut) {
            d.lastSeen = never;
            d.lastSeenV = never;
        }
        return d.registeredV == never
                && d.uninstalledV == never
                && d.tags.isEmpty()
                && d.rejections.isEmpty()
                && d.pushToStart.isEmpty()
                && d.activityTokens.isEmpty()
                && d.appIdV == never
                && d.platformV == never
                && d.tokenV == never
                && d.localeV == never
                && d.timezoneV == never
                && d.appVersionV == never
                && d.optInV == never
                && d.lastSeenV == never
                && d.tagsClearedV == never;
    }

    private static DeviceRecord.TagVersions tag(DeviceRecord d, String name) {
        return d.tags.computeIfAbsent(name, n -> new DeviceRecord.TagVersions());
    }

    private static String name(Enum<?> e) {
        return e == null ? null : e.name();
    }

    /** The token register's value, compared at equal versions: the token, with a web subscription's keys and browser. */
    private static String subscription(DeviceRecord d) {
        return d.token == null ? null : subscription(d.token, d.pushKeys, d.browser);
    }

    private static String subscription(String token, PushKeys keys, String browser) {
        if (keys == null && browser == null) {
            return token;
        }
        return token + "\n" + (keys == null ? "" : keys.p256dh + "\n" + keys.auth) + "\n"
                + (browser == null ? "" : browser);
    }

    /** A write at {@code v} of {@code value} beats the current one: newer, or as new and greater. */
    private static boolean wins(long v, String value, long currentV, String current) {
        return v > currentV || (v == currentV && current != null && value.compareTo(current) > 0);
    }
}
