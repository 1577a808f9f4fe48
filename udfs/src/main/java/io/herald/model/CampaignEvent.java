package io.herald.model;

import java.util.List;

/**
 * A record of the {@code campaigns} topic: create a campaign, estimate its audience, fire it, send it
 * to one user or to its app's seeds, retry, pause, resume or cancel it; or pause and resume a whole app.
 */
public class CampaignEvent {
    /** What the event asks for. */
    public enum Type {
        CREATE,
        FIRE,
        CANCEL,
        /** Count the audience of a created campaign (total, per platform, per locale); send nothing. */
        ESTIMATE,
        /** A transactional send of a created campaign to one user, now: routed to that user's state only. */
        SEND,
        /** Send a fired campaign again to the devices whose last receipt has one of {@link #outcomes}. */
        RETRY,
        /**
         * Hold a campaign ({@link #campaignId}), or every campaign and send of an app ({@link #appId}):
         * nothing more of it starts toward a provider; what was not sent is held, not dropped.
         */
        PAUSE,
        /** Let a paused campaign, or app, go on: what was held goes out once. */
        RESUME,
        /**
         * Send a tested campaign's {@link #arm} to the users its test left out (the job writes it at
         * the test's decision; an operator may too). Once per campaign.
         */
        WINNER,
        /**
         * Approve a created campaign's content ({@link #contentHash}), on an app with {@code
         * requireApproval}: signed by a principal other than its creator; an edit needs another.
         */
        APPROVE,
        /**
         * Send a created campaign to its app's seed users only (the team's own phones): every arm in
         * every locale of its message, to each of their devices of the app, whatever the audience.
         * Named by {@link #sendId}, so a replay of it names the same notifications.
         */
        TEST
    }

    public Type type;
    /** The campaign; null for a {@link Type#PAUSE} or {@link Type#RESUME} of a whole app. */
    public String campaignId;
    /** For {@link Type#PAUSE} and {@link Type#RESUME} of a whole app: the app, instead of a campaign. */
    public String appId;
    /** For {@link Type#WINNER}: the arm the rest of the audience gets. */
    public String arm;
    /** For {@link Type#SEND}: the user. */
    public String userId;
    /** For {@link Type#SEND} and {@link Type#TEST}: names this send, so a replay of it names the same notifications. */
    public String sendId;
    /** The definition, for {@link Type#CREATE} only. */
    public Campaign campaign;
    /** For {@link Type#RETRY}: the outcomes whose devices get the campaign again. */
    public List<Outcome> outcomes;
    /**
     * For {@link Type#FIRE}: the audience (devices) its sender confirms, as an estimate gave it; a
     * fire its app's fire guard would refuse goes if this is at least its audience. Null for none.
     */
    public Long confirmAudience;
    /** For {@link Type#CREATE}: why the campaign could not be read (a field of the wrong type, say), or null. */
    public String refusal;
    /** When the event was written (the Kafka record timestamp): the start of fire-to-ack latency. */
    public long timestamp;
    /** Who signed the record, if its signature verified; null for an unsigned record or a refused signature. */
    public SignedBy signedBy;
    /** Why the record's signature was refused (unknown key, bad signature, out of time), or null. */
    public String signatureRefusal;
    /**
     * For {@link Type#CREATE}: the SHA-256 (hex) of the record's value as written, what an approval
     * names; for {@link Type#APPROVE}: the content approved.
     */
    public String contentHash;

    public CampaignEvent() {}
}
