package io.herald.job.functions;

import io.herald.campaign.PreparedCampaign;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where one campaign walk stands in one key group, and what it has counted there: the checkpointed
 * position of the fan-out. Kept per key group (the job's max parallelism is fixed), so that a walk
 * resumes where the last checkpoint left it at any parallelism: each instance takes the positions of
 * the key groups it now holds.
 *
 * <p>A state type: its class name and fields are in every savepoint (Flink's POJO serializer), so it
 * stays here, and a field is only ever added.
 */
public class WalkPosition {
    /** What a walk does with each targeted device. */
    public enum Kind {
        /** Hands a notification out (a fire). */
        FIRE,
        /** Counts it (an estimate). */
        ESTIMATE,
        /** Hands it out again if its last receipt had one of the outcomes a retry asks for. */
        RETRY
    }

    public String walkId;
    public String campaignId;
    public Kind kind;
    /** The fire's (or estimate's) time. */
    public long at;

    public int keyGroup;
    /** The last user walked in this key group (users come in RocksDB's order), or null before the first. */
    public String lastKey;
    /** Every user of this key group has been walked. */
    public boolean done;
    /** For a retry or its estimate: the outcomes it is for, as names joined by commas; else null. */
    public String outcomes;
    /**
     * Null for the walk's main cursor. Else the wire name of the one platform this position walks
     * for, apart from the main cursor, which skips that platform in this key group: the platform's
     * delivery window was full when the walk came here, and the others went on.
     */
    public String channel;

    public long users;
    public long targeted;
    public long suppressed;
    public long handedOut;
    /** For estimates: notifications that would be refused, and the targeted devices per platform and locale. */
    public long refused;
    /** Targeted devices held back (for estimates: that would be) by the app's frequency cap. */
    public long capped;
    /** Targeted devices quiet hours held or dropped (for estimates: at the estimate's time). */
    public long quietHours;
    /** For a fire guard's count: the app's live devices in this key group, whatever the audience. */
    public long appDevices;
    /** For a fire guard's count: the audience its fire record confirmed, or null. */
    public Long confirmAudience;
    /** Reachable devices in the audience not sent to (for estimates: that would not be): their users are held out. */
    public long heldOut;
    /** Reachable devices in the audience a tested campaign's fire left for its winner. */
    public long deferred;

    public Map<String, Long> byPlatform = new TreeMap<>();
    public Map<String, Long> byLocale = new TreeMap<>();
    /** For estimates of a local-time campaign: targeted devices by the moment they would get it ("skipped": never). */
    public Map<String, Long> bySchedule = new TreeMap<>();
    /** Of a campaign with arms: targeted devices per arm. */
    public Map<String, Long> byArm = new TreeMap<>();

    public WalkPosition() {}

    /** The position of a walk that has not started in {@code keyGroup}. */
    public static WalkPosition start(String walkId, String campaignId, Kind kind, long at, int keyGroup) {
        WalkPosition p = new WalkPosition();
        p.walkId = walkId;
        p.campaignId = campaignId;
        p.kind = kind;
        p.at = at;
        p.keyGroup = keyGroup;
        return p;
    }

    /** Adds what a fan-out did with one user's devices. */
    public void count(PreparedCampaign.FanOutCount c) {
        targeted += c.targeted;
        suppressed += c.suppressed;
        heldOut += c.heldOut;
        deferred += c.deferred;
        if (c.arm != null && c.targeted > 0) {
            byArm.merge(c.arm, c.targeted, Long::sum);
        }
    }

    /**
     * Where a cursor for {@code channel} alone starts: where this position stands, with its own
     * counts from zero.
     */
    public WalkPosition splitOff(String channel) {
        WalkPosition p = start(walkId, campaignId, kind, at, keyGroup);
        p.lastKey = lastKey;
        p.done = done;
        p.outcomes = outcomes;
        p.channel = channel;
        return p;
    }
}
