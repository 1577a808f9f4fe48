package io.herald.model;

/**
 * What an app reports of a user, on the {@code interactions} topic: a notification opened, an action
 * of one tapped, or a named app event (a purchase, with its value) that a campaign may count as its
 * conversion.
 */
public class Interaction {
    /** What happened. */
    public enum Type {
        /** The user opened a notification (named by {@link #campaignId} and {@link #notificationId}). */
        OPENED,
        /** The user tapped one of a notification's actions ({@link #action}); counts as an open too. */
        ACTION,
        /** A named app event ({@link #name}), with an optional {@link #value}. */
        EVENT
    }

    public Type type;
    public String userId;
    /** For an event: the app it happened in (a campaign counts conversions in its own app only). */
    public String appId;
    /** For an open or an action: the campaign of the notification. */
    public String campaignId;
    /** For an open or an action, optional: the notification ({@code campaignId/…/deviceId}). */
    public String notificationId;
    /** For an action: its identifier, as the app's notification category names it. */
    public String action;
    /** For an event: its name ({@code purchase}). */
    public String name;
    /** For an event, optional: what it was worth (a purchase's amount), finite. */
    public Double value;
    /** When it happened, epoch ms: the record's own, else its Kafka timestamp. */
    public long at;
    /**
     * Optional: the app's id of this report, so that the same report sent twice (a client's retry)
     * counts once.
     */
    public String eventId;

    public Interaction() {}
}
