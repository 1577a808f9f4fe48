package io.herald.model;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import java.util.Locale;

/**
 * A campaign that starts, updates or ends an iOS Live Activity instead of showing an alert: sent to
 * each device's push-to-start token (a start) or the activity's update token (an update or end,
 * device by device), or, {@link #broadcast}, once to the activity's APNs broadcast channel, which
 * APNs fans out to every device subscribed to it.
 *
 * <p>{@link #attributes} and {@link #contentState} are JSON objects as the app's
 * {@code ActivityAttributes} and its {@code ContentState} decode them. Their text values are ICU
 * MessageFormat templates over the user's attributes, rendered in the device's locale as an alert's
 * text is (a value that is one placeholder alone, {@code "{score}"}, keeps the attribute's own JSON
 * type); a broadcast is one request for everyone, rendered with the message's defaults.
 */
public class LiveActivity {
    /** What the push does to the activity: APNs's {@code aps.event}. */
    public enum Event {
        START,
        UPDATE,
        END;

        /** The name in {@code aps.event}. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Event event;
    /** The app's {@code ActivityAttributes} type name ({@code aps.attributes-type}); a start's push-to-start tokens are per type. */
    public String activityType;
    /**
     * Herald's name for the activity: a start puts it in the attributes as {@code heraldActivityId},
     * the app reports the activity's update token under it, and an update or end names it.
     */
    public String activityId;
    /** A start's static attributes: a JSON object (kept as its text). */
    @JsonDeserialize(using = JsonObjectText.class)
    public String attributes;
    /** The content state (a start's first, an update's next, an end's final): a JSON object (kept as its text). */
    @JsonDeserialize(using = JsonObjectText.class)
    public String contentState;
    /** When the content goes stale on the device, epoch seconds ({@code aps.stale-date}); null for none. */
    public Long staleDate;
    /** An end's dismissal time, epoch seconds ({@code aps.dismissal-date}); null: the system's default. */
    public Long dismissalDate;
    /** Which of the app's activities the system shows first (0 to 1, {@code aps.relevance-score}); null for none. */
    public Double relevanceScore;
    /**
     * APNs priority: 5 (sent when the device's budget allows, frequent updates) or 10 (at once,
     * counted against the activity's budget of urgent updates); null: 10 for a start and an end, 5
     * for an update.
     */
    public Integer priority;
    /**
     * Through an APNs broadcast channel: a start names the activity's channel so each device
     * subscribes to it; an update or end is one request to the channel, whatever the audience.
     */
    public Boolean broadcast;
    /**
     * A broadcast start's channel, as APNs named it when it was created ({@code herald campaign submit}
     * creates it); an update or end of the activity finds it from its start.
     */
    public String channelId;

    public LiveActivity() {}

    /** Whether this goes through a broadcast channel. */
    public boolean isBroadcast() {
        return Boolean.TRUE.equals(broadcast);
    }

    /** The APNs priority to send with: the one asked for, else 10 for a start or end and 5 for an update. */
    public int priorityOrDefault() {
        if (priority != null) {
            return priority;
        }
        return event == Event.UPDATE ? 5 : 10;
    }

    /** A broadcast update or end: no walk of users, one request to the channel. */
    public boolean sentToChannel() {
        return isBroadcast() && (event == Event.UPDATE || event == Event.END);
    }
}
