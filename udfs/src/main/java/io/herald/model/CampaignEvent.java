package io.herald.model;

/** A record of the {@code campaigns} topic: create a campaign, estimate its audience, fire it, or cancel it. */
public class CampaignEvent {
    /** What the event asks for. */
    public enum Type {
        CREATE,
        FIRE,
        CANCEL,
        /** Count the audience of a created campaign (total, per platform, per locale); send nothing. */
        ESTIMATE
    }

    public Type type;
    public String campaignId;
    /** The definition, for {@link Type#CREATE} only. */
    public Campaign campaign;
    /** When the event was written (the Kafka record timestamp): the start of fire-to-ack latency. */
    public long timestamp;

    public CampaignEvent() {}
}
