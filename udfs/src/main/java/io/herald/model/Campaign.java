package io.herald.model;

import java.time.Duration;
import java.util.List;

/** A campaign definition: which app, which audience, what message, and how long it stays valid. */
public class Campaign {
    public String campaignId;
    public String appId;
    /** Who it is for: always stated (missing is refused, never taken for everyone). */
    public Audience audience;

    /** What it says; null when it has {@link #arms}, each with its own message. */
    public Message message;
    /**
     * An experiment's arms, 2 to 10, each with its own message and weight; null for one message. A
     * user's arm is a function of the campaign and the user alone ({@code ArmAssignment}).
     */
    public List<Arm> arms;
    /**
     * The share of the audience's users held out, 0 to 0.5: sent nothing, counted, and measured
     * against; null for none. With or without arms.
     */
    public Double holdout;
    /**
     * The app event that counts as this campaign's conversion, and its window; null for none. A
     * campaign with one, with arms or with a holdout is measured: its exposures are kept per user.
     */
    public Conversion conversion;
    /** A test of the arms on a share of the users, and the winner sent to the rest; null: every user gets its arm at the fire. */
    public WinnerTest test;
    /** Epoch milliseconds after which nothing of this campaign may be sent; null for no limit. */
    public Long expiresAt;
    /** Replaces an earlier notification with the same id on the device (APNs collapse id, FCM collapse key). */
    public String collapseId;
    /** The most notifications per second this campaign may send, over the whole job; null for no limit. */
    public Integer maxPerSecond;
    /**
     * An ISO-8601 duration ({@code "PT2H"}) over which a fire hands the campaign out evenly, or null to
     * hand it out as fast as {@link #maxPerSecond} and the providers allow.
     */
    public String spreadOver;
    /** When the job fires the campaign itself; null: only a {@code fire} record fires it. */
    public Schedule schedule;
    /** True for an urgent alert: the app's frequency cap neither holds it back nor counts it. */
    public Boolean capExempt;
    /**
     * True for an urgent campaign (a breaking alert): its notifications take their provider's slots
     * ahead of bulk ones, as transactional sends do; null or false: bulk.
     */
    public Boolean urgent;
    /**
     * This campaign's share of its app's sending against other bulk campaigns walking at the same
     * time, 1 to 1000 (null: 1): two campaigns of weights 3 and 1 hand out three to one while both
     * wait for room.
     */
    public Integer weight;
    /** Quiet hours for this campaign, instead of its app's ({@code "off": true} for none); null: the app's. */
    public QuietHoursSpec quietHours;
    /**
     * A replay (a job started from a savepoint) resumes this campaign however long ago it was fired,
     * not only within {@code replay.resumeCampaignsFiredWithinMs}; null or false: the window holds.
     */
    public Boolean resumeOnReplay;
    /**
     * A Live Activity campaign: starts, updates or ends an activity on iOS devices instead of an
     * alert ({@link #message}, if any, is the push's alert); null for a notification.
     */
    public LiveActivity liveActivity;

    public Campaign() {}

    /** Whether it has more than one message, or a holdout: a user's arm must be worked out. */
    public boolean experiment() {
        return arms != null || (holdout != null && holdout > 0);
    }

    /** Whether its exposures, opens and conversions are counted: it has a conversion or is an experiment. */
    public boolean measured() {
        return conversion != null || experiment();
    }

    /** {@link #spreadOver} in milliseconds, or 0 for none (the validator has refused one that does not parse). */
    public long spreadOverMillis() {
        return spreadOver == null ? 0 : Duration.parse(spreadOver).toMillis();
    }
}
