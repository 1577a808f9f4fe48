package io.herald.model;

import java.util.List;

/** A record of the {@code campaigns} topic: create a campaign, estimate its audience, fire it, or cancel it. */
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
        RETRY
    }

    public Type type;
    public String campaignId;
    /** For {@link Type#SEND}: the user. */
    public String userId;
    /** For {@link Type#SEND}: names this send, so a replay of it names the same notifications. */
    public String sendId;
    /** The definition, for {@link Type#CREATE} only. */
    public Campaign campaign;
    /** For {@link Type#RETRY}: the outcomes whose devices get the campaign again. */
    public List<Outcome> outcomes;
    /** For {@link Type#CREATE}: why the campaign could not be read (a field of the wrong type, say), or null. */
    public String refusal;
    /** When the event was written (the Kafka record timestamp): the start of fire-to-ack latency. */
    public long timestamp;

    public CampaignEvent() {}
}
