package io.herald.job.fanout.walk;

import java.util.Objects;

/**
 * Which walk this is: the campaign, what the walk does with it ({@link WalkKind}), and what sets it
 * apart from the campaign's other walks. Encoded to its checkpointed form (the {@code walkId} of
 * each {@link io.herald.job.functions.WalkPosition}) in {@link #encode()} and read back in
 * {@link #decode}, and nowhere else. The forms are those of every savepoint so far:
 *
 * <ul>
 *   <li>{@code C}: the fire of campaign {@code C};
 *   <li>{@code C@moment}: a local-time schedule's walk of the devices due at {@code moment};
 *   <li>{@code C@held@moment@end}: the devices quiet hours held at {@code moment}, sent at {@code end};
 *   <li>{@code C#estimate@t}, {@code C#retry@t}, {@code C#retry-estimate@t}: an estimate, a retry and
 *       the estimate of a retry asked for at {@code t};
 *   <li>{@code C#fire-check@t}: the count a fire guard makes of the fire at {@code t} before it;
 *   <li>{@code C#schedule-check@t}: the count a fire guard makes of a local-time schedule's whole
 *       audience at its first moment due, {@code t}, before any moment goes;
 *   <li>{@code C#winner@t}: a tested campaign's winner, sent at {@code t} to the users its test left out.
 * </ul>
 *
 * @param moment for a local-time moment's walk, a walk of held devices or a schedule's check, the moment
 *     (epoch ms); else null
 * @param heldUntil for a walk of held devices, when their quiet window ends (epoch ms); else null
 * @param askedAt for an estimate or a retry, when it was asked for (epoch ms); else null
 */
public record WalkId(String campaignId, WalkKind kind, Long moment, Long heldUntil, Long askedAt) {
    private static final String HELD = "@held@";
    private static final String ESTIMATE = "#estimate@";
    private static final String RETRY = "#retry@";
    private static final String RETRY_ESTIMATE = "#retry-estimate@";
    private static final String FIRE_CHECK = "#fire-check@";
    private static final String SCHEDULE_CHECK = "#schedule-check@";
    private static final String WINNER = "#winner@";

    public WalkId {
        Objects.requireNonNull(campaignId, "campaignId");
        Objects.requireNonNull(kind, "kind");
    }

    /** The fire of a campaign (fired by hand or by its {@code schedule.at}). */
    public static WalkId fire(String campaignId) {
        return new WalkId(campaignId, WalkKind.FIRE, null, null, null);
    }

    /** The walk of a local-time schedule's devices due at {@code moment}. */
    public static WalkId localMoment(String campaignId, long moment) {
        return new WalkId(campaignId, WalkKind.FIRE, moment, null, null);
    }

    /** The walk of the devices quiet hours held at {@code moment}, whose window ends at {@code end}. */
    public static WalkId held(String campaignId, long moment, long end) {
        return new WalkId(campaignId, WalkKind.FIRE, moment, end, null);
    }

    public static WalkId estimate(String campaignId, long askedAt) {
        return new WalkId(campaignId, WalkKind.ESTIMATE, null, null, askedAt);
    }

    public static WalkId retry(String campaignId, long askedAt) {
        return new WalkId(campaignId, WalkKind.RETRY, null, null, askedAt);
    }

    public static WalkId retryEstimate(String campaignId, long askedAt) {
        return new WalkId(campaignId, WalkKind.RETRY_ESTIMATE, null, null, askedAt);
    }

    /** The count of the fire at {@code firedAt} that the app's fire guard makes before it. */
    public static WalkId fireCheck(String campaignId, long firedAt) {
        return new WalkId(campaignId, WalkKind.FIRE_CHECK, null, null, firedAt);
    }

    /**
     * The count of a local-time schedule's whole audience that the app's fire guard makes at its
     * first moment due, {@code moment}, before any moment goes.
     */
    public static WalkId scheduleCheck(String campaignId, long moment) {
        return new WalkId(campaignId, WalkKind.FIRE_CHECK, moment, null, moment);
    }

    /** A tested campaign's winner, sent at {@code at} to the users its test left out. */
    public static WalkId winner(String campaignId, long at) {
        return new WalkId(campaignId, WalkKind.FIRE, null, null, at);
    }

    /** Whether this walk sends a tested campaign's winner. */
    public boolean isWinner() {
        return kind == WalkKind.FIRE && askedAt != null;
    }

    /** Whether this is a fire guard's count of a local-time schedule (rather than of a fire). */
    public boolean isScheduleCheck() {
        return kind == WalkKind.FIRE_CHECK && moment != null;
    }

    /** Whether this is a campaign's fire (by hand or by {@code schedule.at}), not one of its moments. */
    public boolean isWholeFire() {
        return kind == WalkKind.FIRE && moment == null && heldUntil == null && askedAt == null;
    }

    /** Whether this walk sends the devices quiet hours held (rather than holding any). */
    public boolean isHeld() {
        return heldUntil != null;
    }

    /** The checkpointed form. */
    public String encode() {
        return switch (kind) {
            case FIRE ->
                heldUntil != null
                        ? campaignId + HELD + moment + "@" + heldUntil
                        : moment != null
                                ? campaignId + "@" + moment
                                : askedAt != null ? campaignId + WINNER + askedAt : campaignId;
            case ESTIMATE -> campaignId + ESTIMATE + askedAt;
            case RETRY -> campaignId + RETRY + askedAt;
            case RETRY_ESTIMATE -> campaignId + RETRY_ESTIMATE + askedAt;
            case FIRE_CHECK -> campaignId + (moment != null ? SCHEDULE_CHECK : FIRE_CHECK) + askedAt;
        };
    }

    /**
     * Reads {@code encoded} back, knowing its campaign (checkpointed beside it: campaign ids may hold
     * any character, so only what follows the id is parsed).
     *
     * @throws IllegalArgumentException if {@code encoded} is not a walk id of {@code campaignId}
     */
    public static WalkId decode(String encoded, String campaignId) {
        if (!encoded.startsWith(campaignId)) {
            throw new IllegalArgumentException("walk id " + encoded + " is not of campaign " + campaignId);
        }
        String rest = encoded.substring(campaignId.length());
        try {
            if (rest.isEmpty()) {
                return fire(campaignId);
            }
            if (rest.startsWith(WINNER)) {
                return winner(campaignId, Long.parseLong(rest.substring(WINNER.length())));
            }
            if (rest.startsWith(RETRY_ESTIMATE)) {
                return retryEstimate(campaignId, Long.parseLong(rest.substring(RETRY_ESTIMATE.length())));
            }
            if (rest.startsWith(FIRE_CHECK)) {
                return fireCheck(campaignId, Long.parseLong(rest.substring(FIRE_CHECK.length())));
            }
            if (rest.startsWith(SCHEDULE_CHECK)) {
                return scheduleCheck(campaignId, Long.parseLong(rest.substring(SCHEDULE_CHECK.length())));
            }
            if (rest.startsWith(RETRY)) {
                return retry(campaignId, Long.parseLong(rest.substring(RETRY.length())));
            }
            if (rest.startsWith(ESTIMATE)) {
                return estimate(campaignId, Long.parseLong(rest.substring(ESTIMATE.length())));
            }
            if (rest.startsWith(HELD)) {
                String[] parts = rest.substring(HELD.length()).split("@");
                return held(campaignId, Long.parseLong(parts[0]), Long.parseLong(parts[1]));
            }
            if (rest.startsWith("@")) {
                return localMoment(campaignId, Long.parseLong(rest.substring(1)));
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "walk id " + encoded + " of campaign " + campaignId + " is malformed", e);
        }
        throw new IllegalArgumentException(
                "walk id " + encoded + " of campaign " + campaignId + " is of no known kind");
    }

    @Override
    public String toString() {
        return encode();
    }
}
