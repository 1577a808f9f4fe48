package io.herald.experiment;

import io.herald.model.Campaign;
import io.herald.model.Exposure;
import io.herald.model.Interaction;
import io.herald.model.UserProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Attribution in the user's own state: a measured campaign's exposure is kept with the user, and an
 * open or an app event reported later is matched against it there, so each user's open and
 * conversion of a campaign counts once, and a restore or a replay (which rolls the user's state back
 * with the input's position) counts nothing twice.
 *
 * <p>Rules: an open (or an action) counts for the campaign it names, once per user, if the user was
 * exposed and not held out. An app event counts as the conversion of each campaign of its app
 * that names it, whose exposure came at or before it and within the campaign's window: the user
 * once ({@link Counted#firstTime}), each event's value. Held-out users are exposed at the fire, so
 * their conversions measure what the campaign added. A report with an {@code eventId} seen lately
 * counts once.
 */
public final class Attribution {
    /** Exposures kept per user; past it the one whose window ends first is forgotten. */
    public static final int MAX_EXPOSURES = 64;
    /** Report ids remembered per user. */
    public static final int MAX_EVENT_IDS = 32;
    /**
     * Opens kept per user that matched no exposure yet (a walk resumed after a restore may reach the
     * user after the reports read again since), matched when an exposure comes; past it the oldest goes.
     */
    public static final int MAX_PENDING = 16;
    /** How long a report that matched no exposure is kept for one. */
    public static final Duration PENDING_FOR = Duration.ofDays(1);
    /** App event names whose last time is remembered per user (for segments); past it the oldest goes. */
    public static final int MAX_EVENT_NAMES = 32;
    /** How long opens of a campaign are counted after the exposure (or its conversion window, if longer). */
    public static final Duration OPEN_WINDOW = Duration.ofDays(7);

    private Attribution() {}

    /** What a count is of. */
    public enum Kind {
        /** A user exposed: sent the campaign, or held out of it. */
        EXPOSED,
        OPENED,
        CONVERTED
    }

    /**
     * One thing to count for a campaign's arm (or its holdout).
     *
     * @param arm the arm's name, or null (no arms, or held out)
     * @param firstTime the user's first of its kind for the campaign (a conversion's later events add value only)
     * @param value a conversion's value, else 0
     */
    public record Counted(String campaignId, String arm, boolean heldOut, Kind kind, boolean firstTime, double value) {}

    /**
     * Keeps the user's exposure to {@code campaign} at {@code at}, unless one is kept already (the
     * first exposure stands).
     *
     * Reports kept because they matched no exposure then ({@link #take}) are matched against the new
     * one.
     *
     * @return what to count: the exposure, then any open and conversions of the reports kept; empty if
     *     there was an exposure already
     */
    public static List<Counted> expose(UserProfile user, Campaign campaign, String arm, boolean heldOut, long at) {
        Map<String, Exposure> exposures = user.exposures;
        forgetEnded(exposures, at);
        if (exposures.containsKey(campaign.campaignId)) {
            return List.of();
        }
        if (exposures.size() >= MAX_EXPOSURES) {
            String first = null;
            long firstEnd = Long.MAX_VALUE;
            for (Map.Entry<String, Exposure> e : exposures.entrySet()) {
                if (e.getValue().until < firstEnd) {
                    first = e.getKey();
                    firstEnd = e.getValue().until;
                }
            }
            exposures.remove(first);
        }
        long window = OPEN_WINDOW.toMillis();
        if (campaign.conversion != null) {
            window = Math.max(window, campaign.conversion.withinMillis());
        }
        Exposure exposure = new Exposure(arm, heldOut, at, at + window);
        exposures.put(campaign.campaignId, exposure);
        List<Counted> counted = new ArrayList<>(1);
        counted.add(new Counted(campaign.campaignId, arm, heldOut, Kind.EXPOSED, true, 0));
        for (Iterator<Interaction> i = user.pending.iterator(); i.hasNext(); ) {
            Interaction p = i.next();
            Counted c = count(campaign.campaignId, campaign, exposure, p);
            if (c != null) {
                counted.add(c);
                i.remove();
            }
        }
        return counted;
    }

    /** What {@code interaction} counts for the exposure to {@code campaign}, marking it; or null. */
    private static Counted count(String campaignId, Campaign campaign, Exposure e, Interaction interaction) {
        if (interaction.type == Interaction.Type.EVENT) {
            if (campaign == null
                    || campaign.conversion == null
                    || !campaign.conversion.event.equals(interaction.name)
                    || !campaign.appId.equals(interaction.appId)
                    || interaction.at < e.at
                    || interaction.at > e.at + campaign.conversion.withinMillis()) {
                return null;
            }
            boolean first = !e.converted;
            e.converted = true;
            double value = interaction.value == null ? 0 : interaction.value;
            return new Counted(campaignId, e.arm, e.heldOut, Kind.CONVERTED, first, value);
        }
        if (!campaignId.equals(interaction.campaignId)
                || e.heldOut
                || e.opened
                || interaction.at < e.at
                || interaction.at > e.until) {
            return null;
        }
        e.opened = true;
        return new Counted(campaignId, e.arm, false, Kind.OPENED, true, 0);
    }

    /**
     * What {@code interaction} counts for the user's exposures, marking them; empty if nothing (no
     * exposure, counted before, outside the window, a report seen lately).
     *
     * @param campaigns the campaign of an id, or null if the job has none by it
     */
    public static List<Counted> take(
            UserProfile user, Interaction interaction, Function<String, Campaign> campaigns, long now) {
        List<Counted> counted = new ArrayList<>(1);
        if (interaction.eventId != null) {
            if (user.recentEventIds.contains(interaction.eventId)) {
                return counted;
            }
            user.recentEventIds.add(interaction.eventId);
            if (user.recentEventIds.size() > MAX_EVENT_IDS) {
                user.recentEventIds.remove(0);
            }
        }
        remember(user, interaction);
        forgetEnded(user.exposures, now);
        user.pending.removeIf(p -> p.at < now - PENDING_FOR.toMillis());
        if (interaction.type == Interaction.Type.EVENT) {
            for (Map.Entry<String, Exposure> entry : user.exposures.entrySet()) {
                Counted done = count(entry.getKey(), campaigns.apply(entry.getKey()), entry.getValue(), interaction);
                if (done != null) {
                    counted.add(done);
                }
            }
            return counted;
        }
        Exposure e = user.exposures.get(interaction.campaignId);
        if (e != null) {
            Counted done = count(interaction.campaignId, null, e, interaction);
            if (done != null) {
                counted.add(done);
            }
        } else {
            Campaign c = campaigns.apply(interaction.campaignId);
            if (c != null && c.measured()) {
                // An open of a measured campaign before the user's exposure: a walk resumed after a
                // restore reaches the user after the reports read again since. Kept a while for it.
                user.pending.add(interaction);
                if (user.pending.size() > MAX_PENDING) {
                    user.pending.remove(0);
                }
            }
        }
        return counted;
    }

    /** What segments read of a user's activity: the last open, the last time of each app event. */
    private static void remember(UserProfile user, Interaction interaction) {
        if (interaction.type != Interaction.Type.EVENT) {
            user.lastOpenedAt = Math.max(user.lastOpenedAt, interaction.at);
            return;
        }
        Long last = user.lastEvents.get(interaction.name);
        if (last == null && user.lastEvents.size() >= MAX_EVENT_NAMES) {
            String oldest = null;
            for (Map.Entry<String, Long> e : user.lastEvents.entrySet()) {
                if (oldest == null || e.getValue() < user.lastEvents.get(oldest)) {
                    oldest = e.getKey();
                }
            }
            user.lastEvents.remove(oldest);
        }
        user.lastEvents.put(interaction.name, last == null ? interaction.at : Math.max(last, interaction.at));
    }

    private static void forgetEnded(Map<String, Exposure> exposures, long now) {
        for (Iterator<Exposure> i = exposures.values().iterator(); i.hasNext(); ) {
            if (i.next().until < now) {
                i.remove();
            }
        }
    }
}
