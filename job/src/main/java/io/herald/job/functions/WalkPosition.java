package io.herald.job.functions;

import io.herald.model.Outcome;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Where one campaign walk stands in one key group, and what it has counted there: the checkpointed
 * position of the fan-out. Kept per key group (the job's max parallelism is fixed), so that a walk
 * resumes where the last checkpoint left it at any parallelism: each instance takes the positions of
 * the key groups it now holds.
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
    public Map<String, Long> byPlatform = new TreeMap<>();
    public Map<String, Long> byLocale = new TreeMap<>();
    /** For estimates of a local-time campaign: targeted devices by the moment they would get it ("skipped": never). */
    public Map<String, Long> bySchedule = new TreeMap<>();

    public WalkPosition() {}

    static String outcomes(Set<Outcome> outcomes) {
        return outcomes.stream().map(Enum::name).sorted().collect(Collectors.joining(","));
    }

    static Set<Outcome> outcomes(String names) {
        Set<Outcome> set = EnumSet.noneOf(Outcome.class);
        for (String n : names.split(",")) {
            set.add(Outcome.valueOf(n));
        }
        return set;
    }

    static WalkPosition start(String walkId, String campaignId, Kind kind, long at, int keyGroup) {
        WalkPosition p = new WalkPosition();
        p.walkId = walkId;
        p.campaignId = campaignId;
        p.kind = kind;
        p.at = at;
        p.keyGroup = keyGroup;
        return p;
    }
}
