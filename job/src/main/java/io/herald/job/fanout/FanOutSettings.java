package io.herald.job.fanout;

import io.herald.campaign.FireGuard;
import io.herald.campaign.FrequencyCap;
import io.herald.campaign.QuietHours;
import io.herald.campaign.RunawayGuard;
import io.herald.campaign.UrgentUpdateBudget;
import io.herald.campaign.UserLimits;
import io.herald.kafka.EarlierRuns;
import io.herald.model.Campaign;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** How the fan-out walks and what it keeps; immutable, made by a {@link Builder} that checks it. */
public final class FanOutSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Default idle lifetime of a device: FCM's own token lifetime. */
    public static final Duration DEFAULT_DEVICE_TTL = Duration.ofDays(270);

    private final Duration deviceTtl;
    private final int usersPerChunk;
    private final long chunkMillis;
    private final long progressEveryMillis;
    private final EarlierRuns earlierRuns;
    private final long replayWindowMillis;
    private final boolean fireOnFreshStart;
    private final long clockSkewMillis;
    private final Map<String, FrequencyCap> frequencyCaps;
    private final Map<String, QuietHours> quietHours;
    private final Map<String, RunawayGuard> runawayGuards;
    private final Map<String, FireGuard> fireGuards;
    private final Map<String, UrgentUpdateBudget> urgentUpdateBudgets;
    private final Set<String> requireSigned;
    private final Map<String, List<String>> seeds;

    private FanOutSettings(Builder b) {
        this.deviceTtl = b.deviceTtl;
        this.usersPerChunk = b.usersPerChunk;
        this.chunkMillis = b.chunkMillis;
        this.progressEveryMillis = b.progressEveryMillis;
        this.earlierRuns = b.earlierRuns;
        this.replayWindowMillis = b.replayWindowMillis;
        this.fireOnFreshStart = b.fireOnFreshStart;
        this.clockSkewMillis = b.clockSkewMillis;
        this.frequencyCaps = Map.copyOf(b.frequencyCaps);
        this.quietHours = Map.copyOf(b.quietHours);
        this.runawayGuards = Map.copyOf(b.runawayGuards);
        this.fireGuards = Map.copyOf(b.fireGuards);
        this.urgentUpdateBudgets = Map.copyOf(b.urgentUpdateBudgets);
        this.requireSigned = Set.copyOf(b.requireSigned);
        this.seeds = Map.copyOf(b.seeds);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        return new Builder()
                .deviceTtl(deviceTtl)
                .usersPerChunk(usersPerChunk)
                .chunkMillis(chunkMillis)
                .progressEveryMillis(progressEveryMillis)
                .earlierRuns(earlierRuns)
                .replayWindowMillis(replayWindowMillis)
                .fireOnFreshStart(fireOnFreshStart)
                .clockSkewMillis(clockSkewMillis)
                .frequencyCaps(frequencyCaps)
                .quietHours(quietHours)
                .runawayGuards(runawayGuards)
                .fireGuards(fireGuards)
                .urgentUpdateBudgets(urgentUpdateBudgets)
                .requireSigned(requireSigned)
                .seeds(seeds);
    }

    /** How long a device lives without being written (and a user without any write). */
    public Duration deviceTtl() {
        return deviceTtl;
    }

    /** The most users one walk takes in one mail. */
    public int usersPerChunk() {
        return usersPerChunk;
    }

    /** The most time one mail of walking takes (checked every few users). */
    public long chunkMillis() {
        return chunkMillis;
    }

    /** How often a walking instance writes its progress. */
    public long progressEveryMillis() {
        return progressEveryMillis;
    }

    /** What earlier runs left in Kafka (statuses, answers), read after a restore and for retries; null for nothing. */
    public EarlierRuns earlierRuns() {
        return earlierRuns;
    }

    /** A fire or send read again after a restore is acted on only if younger than this. */
    public long replayWindowMillis() {
        return replayWindowMillis;
    }

    /** Whether a job started without state acts on fires older than its start. */
    public boolean fireOnFreshStart() {
        return fireOnFreshStart;
    }

    /** Records written this shortly before the start still count as new. */
    public long clockSkewMillis() {
        return clockSkewMillis;
    }

    /** The limits on what each user is sent by a campaign's fires: its app's runaway guard, and frequency cap unless exempt. */
    public UserLimits limitsOf(Campaign campaign) {
        return UserLimits.of(
                campaign.appId,
                runawayGuards.get(campaign.appId),
                Boolean.TRUE.equals(campaign.capExempt) ? null : frequencyCaps.get(campaign.appId));
    }

    /**
     * Whether {@code appId}'s control records must be signed: checked here too, against the app the
     * campaign table holds, whatever the gate ahead knew of the campaign.
     */
    public boolean requiresSigned(String appId) {
        return appId != null && requireSigned.contains(appId);
    }

    /** The seed users of {@code appId} (the team's own phones), empty for none. */
    public List<String> seedsOf(String appId) {
        return appId == null ? List.of() : seeds.getOrDefault(appId, List.of());
    }

    /** The fire guard of {@code appId}, or null for none. */
    /** The app's budget of urgent Live Activity updates ({@link UrgentUpdateBudget#DEFAULT_PER_HOUR} if none is set). */
    public UrgentUpdateBudget urgentUpdateBudget(String appId) {
        return urgentUpdateBudgets.getOrDefault(appId, DEFAULT_URGENT_UPDATES);
    }

    private static final UrgentUpdateBudget DEFAULT_URGENT_UPDATES =
            new UrgentUpdateBudget(UrgentUpdateBudget.DEFAULT_PER_HOUR);

    public FireGuard fireGuard(String appId) {
        return fireGuards.get(appId);
    }

    /** The limits on a transactional send of {@code appId}: its runaway guard alone (sends are not capped). */
    public UserLimits limitsOfSend(String appId) {
        return UserLimits.of(appId, runawayGuards.get(appId), null);
    }

    /** The quiet hours a campaign's fires keep: its own, else its app's; null for none. */
    public QuietHours quietHoursOf(Campaign campaign) {
        return QuietHours.effective(campaign.quietHours, quietHours.get(campaign.appId));
    }

    /** Builds {@link FanOutSettings}; the job's defaults unless set: 1,000 users or 20 ms a mail, progress every second. */
    public static final class Builder {
        private Duration deviceTtl = DEFAULT_DEVICE_TTL;
        private int usersPerChunk = 1_000;
        private long chunkMillis = 20;
        private long progressEveryMillis = 1_000;
        private EarlierRuns earlierRuns;
        private long replayWindowMillis = 3_600_000;
        private boolean fireOnFreshStart;
        private long clockSkewMillis = 30_000;
        private Map<String, FrequencyCap> frequencyCaps = Map.of();
        private Map<String, QuietHours> quietHours = Map.of();
        private Map<String, RunawayGuard> runawayGuards = Map.of();
        private Map<String, FireGuard> fireGuards = Map.of();
        private Map<String, UrgentUpdateBudget> urgentUpdateBudgets = Map.of();
        private Set<String> requireSigned = Set.of();
        private Map<String, List<String>> seeds = Map.of();

        private Builder() {}

        public Builder deviceTtl(Duration ttl) {
            this.deviceTtl = ttl;
            return this;
        }

        public Builder usersPerChunk(int users) {
            this.usersPerChunk = users;
            return this;
        }

        public Builder chunkMillis(long millis) {
            this.chunkMillis = millis;
            return this;
        }

        public Builder progressEveryMillis(long millis) {
            this.progressEveryMillis = millis;
            return this;
        }

        public Builder earlierRuns(EarlierRuns runs) {
            this.earlierRuns = runs;
            return this;
        }

        public Builder replayWindowMillis(long millis) {
            this.replayWindowMillis = millis;
            return this;
        }

        public Builder fireOnFreshStart(boolean fire) {
            this.fireOnFreshStart = fire;
            return this;
        }

        public Builder clockSkewMillis(long millis) {
            this.clockSkewMillis = millis;
            return this;
        }

        /** Each app's frequency cap, by app id; apps without one are absent. */
        public Builder frequencyCaps(Map<String, FrequencyCap> caps) {
            this.frequencyCaps = caps;
            return this;
        }

        /** Each app's quiet hours, by app id; apps without them are absent. */
        public Builder quietHours(Map<String, QuietHours> quiet) {
            this.quietHours = quiet;
            return this;
        }

        /** Each app's runaway guard, by app id; apps without one are absent. */
        public Builder runawayGuards(Map<String, RunawayGuard> guards) {
            this.runawayGuards = guards;
            return this;
        }

        /** Each app's fire guard, by app id; apps without one are absent. */
        public Builder fireGuards(Map<String, FireGuard> guards) {
            this.fireGuards = guards;
            return this;
        }

        /** Each app's budget of urgent Live Activity updates, by app id; the default for apps absent. */
        public Builder urgentUpdateBudgets(Map<String, UrgentUpdateBudget> budgets) {
            this.urgentUpdateBudgets = budgets;
            return this;
        }

        /** The apps whose control records must be signed (requireSigned). */
        public Builder requireSigned(Set<String> apps) {
            this.requireSigned = apps;
            return this;
        }

        /** Each app's seed users (at most {@code HeraldConfig.MAX_SEEDS} each). */
        public Builder seeds(Map<String, List<String>> seeds) {
            this.seeds = seeds;
            return this;
        }

        /** @throws IllegalArgumentException naming what is out of range */
        public FanOutSettings build() {
            if (deviceTtl == null || deviceTtl.isNegative() || deviceTtl.isZero()) {
                throw new IllegalArgumentException("fan-out settings need a device TTL above zero, not " + deviceTtl);
            }
            if (usersPerChunk < 1 || chunkMillis < 1 || progressEveryMillis < 1) {
                throw new IllegalArgumentException("fan-out settings need usersPerChunk >= 1, chunkMillis >= 1 and "
                        + "progressEveryMillis >= 1, not " + usersPerChunk + ", " + chunkMillis + ", "
                        + progressEveryMillis);
            }
            if (replayWindowMillis < 0 || clockSkewMillis < 0) {
                throw new IllegalArgumentException(
                        "fan-out settings need replayWindowMillis >= 0 and " + "clockSkewMillis >= 0");
            }
            if (frequencyCaps == null || quietHours == null || runawayGuards == null || fireGuards == null) {
                throw new IllegalArgumentException(
                        "fan-out settings need maps of frequency caps, quiet hours, runaway guards and fire guards");
            }
            return new FanOutSettings(this);
        }
    }
}
