package io.herald.campaign;

import io.herald.model.Outcome;
import io.herald.model.RunawayCount;
import io.herald.model.SendRequest;
import io.herald.model.UserProfile;

/**
 * The limits an app puts on what one user is sent, as they apply to one campaign or send: the
 * app's runaway guard (everything counts) and its frequency cap (campaigns that are not exempt;
 * transactional sends never). Both are decided and counted once per user for all of the user's
 * devices, the guard first. Immutable.
 */
public final class UserLimits {
    /** No limit at all. */
    public static final UserLimits NONE = new UserLimits(null, null, null);

    /** Which limit refused a user's notification. */
    public enum Limit {
        RUNAWAY_GUARD,
        FREQUENCY_CAP
    }

    private final String appId;
    private final RunawayGuard guard;
    private final FrequencyCap cap;

    /**
     * @param guard the app's runaway guard, or null
     * @param cap the app's frequency cap where it applies (not to exempt campaigns nor to sends), or null
     */
    public static UserLimits of(String appId, RunawayGuard guard, FrequencyCap cap) {
        return guard == null && cap == null ? NONE : new UserLimits(appId, guard, cap);
    }

    private UserLimits(String appId, RunawayGuard guard, FrequencyCap cap) {
        this.appId = appId;
        this.guard = guard;
        this.cap = cap;
    }

    /** Whether any limit applies: then every user's notifications are decided and counted together. */
    public boolean any() {
        return guard != null || cap != null;
    }

    /**
     * What the limits decide for {@code user}'s notifications of one campaign or send at {@code now},
     * for all of the user's devices at once.
     */
    public Verdict decide(UserProfile user, long now) {
        return new Verdict(user, now, any() ? refusing(user, now) : null);
    }

    /** The limit that refuses {@code user} another notification at {@code now}, or null. */
    public Limit refusing(UserProfile user, long now) {
        if (guard != null && !guard.allows(user.runaway.get(appId), now)) {
            return Limit.RUNAWAY_GUARD;
        }
        if (cap != null && !cap.allows(user.campaignSends.get(appId), now)) {
            return Limit.FREQUENCY_CAP;
        }
        return null;
    }

    /** What the user's state needs after a verdict is settled. */
    public enum Settled {
        /** Nothing changed. */
        UNCHANGED,
        /** The user's counts changed: write the state back. */
        WRITE,
        /** Write the state back, and say on {@code campaign-status} that the runaway guard capped the user. */
        WRITE_AND_ALERT
    }

    /** The limits' decision for one user at one moment. */
    public final class Verdict {
        private final UserProfile user;
        private final long now;
        private final Limit limit;
        private final String refusal;

        private Verdict(UserProfile user, long now, Limit limit) {
            this.user = user;
            this.now = now;
            this.limit = limit;
            this.refusal =
                    limit == null ? null : limit == Limit.RUNAWAY_GUARD ? guard.reason(appId) : cap.reason(appId);
        }

        /** The limit that refused the user, or null. */
        public Limit limit() {
            return limit;
        }

        /** What a refused notification's receipt says, or null. */
        public String refusal() {
            return refusal;
        }

        /** Marks a notification to the user as refused, if the limits refused the user; true if so. */
        public boolean refuse(SendRequest request) {
            if (refusal == null) {
                return false;
            }
            request.refusal = refusal;
            request.refusedAs = Outcome.CAPPED;
            return true;
        }

        /**
         * Counts what was handed out to the user's {@code targeted} devices: a sent notification once
         * against every limit, a refusal by the guard as its alert (once per window).
         */
        public Settled settle(long targeted) {
            if (targeted == 0 || !any()) {
                return Settled.UNCHANGED;
            }
            if (limit == null) {
                if (guard != null) {
                    user.runaway.put(appId, guard.record(user.runaway.get(appId), now));
                }
                if (cap != null) {
                    user.campaignSends.put(appId, cap.record(user.campaignSends.get(appId), now));
                }
                return Settled.WRITE;
            }
            RunawayCount count = user.runaway.get(appId);
            return limit == Limit.RUNAWAY_GUARD && guard.alertDue(count, now)
                    ? Settled.WRITE_AND_ALERT
                    : Settled.UNCHANGED;
        }
    }
}
