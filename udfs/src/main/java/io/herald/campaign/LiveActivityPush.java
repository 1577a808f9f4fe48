package io.herald.campaign;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.model.AttributeValue;
import io.herald.model.Campaign;
import io.herald.model.DeviceRecord;
import io.herald.model.LiveActivity;
import io.herald.model.Message;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import io.herald.payload.Payloads;
import io.herald.personalise.CompiledJson;
import io.herald.personalise.CompiledMessage;
import java.util.Map;

/**
 * A Live Activity campaign's pushes, compiled once: which token of a device it goes to, and each
 * push's body, its attributes and content state rendered per user and locale as an alert's text is.
 * Pure: no I/O, one instance per fan-out thread.
 */
final class LiveActivityPush {
    private final LiveActivity activity;
    private final Map<String, String> defaults;
    private final String sound;
    private final CompiledJson attributes;
    private final CompiledJson contentState;
    /** The APNs priority its pushes go at: the one asked for, unless a budget said otherwise. */
    private final int priority;
    /**
     * The body when nothing in it is personalised and it has no alert: the same for every device of
     * one fire ({@link #sameAt}: its {@code aps.timestamp} is the fire's, and an estimate or an
     * earlier send shares this object).
     */
    private String same;

    private long sameAt;

    private LiveActivityPush(Campaign campaign) {
        this.activity = campaign.liveActivity;
        Message m = campaign.message;
        this.defaults = m == null || m.defaults == null ? Map.of() : m.defaults;
        this.sound = m == null ? null : m.sound;
        this.attributes = activity.attributes == null
                ? null
                : CompiledJson.compile(activity.attributes, "liveActivity.attributes");
        this.contentState = CompiledJson.compile(
                activity.contentState == null ? "{}" : activity.contentState, "liveActivity.contentState");
        this.priority = activity.priorityOrDefault();
    }

    private LiveActivityPush(LiveActivityPush of, int priority) {
        this.activity = of.activity;
        this.defaults = of.defaults;
        this.sound = of.sound;
        this.attributes = of.attributes;
        this.contentState = of.contentState;
        this.priority = priority;
    }

    /** The same pushes at APNs priority {@code priority}. */
    LiveActivityPush withPriority(int priority) {
        return priority == this.priority ? this : new LiveActivityPush(this, priority);
    }

    int priority() {
        return priority;
    }

    /** The campaign's pushes, or null for a campaign that is no Live Activity. */
    static LiveActivityPush of(Campaign campaign) {
        return campaign.liveActivity == null ? null : new LiveActivityPush(campaign);
    }

    LiveActivity activity() {
        return activity;
    }

    /** The token the push goes to on {@code device}: its push-to-start token for a start, else the activity's update token; null if none is live. */
    DeviceRecord.LiveActivityToken tokenOf(DeviceRecord device) {
        return activity.event == LiveActivity.Event.START
                ? device.pushToStart(activity.activityType)
                : device.activityToken(activity.activityId);
    }

    /** A request's common part, for {@code target} (a device id, or a channel) of a fire at {@code firedAt}. */
    SendRequest request(Campaign campaign, String sendId, long firedAt, String target) {
        SendRequest r = new SendRequest();
        r.notificationId = SendRequest.notificationId(campaign.campaignId, sendId, target);
        r.campaignId = campaign.campaignId;
        r.measured = campaign.measured();
        r.appId = campaign.appId;
        r.platform = Platform.IOS;
        r.liveActivity = true;
        r.priority = priority;
        r.collapseId = campaign.collapseId;
        r.expiresAt = campaign.expiresAt;
        r.firedAt = firedAt;
        r.urgent = sendId != null || Boolean.TRUE.equals(campaign.urgent);
        return r;
    }

    /**
     * The body for one device (or, with no attributes, the channel): rendered in {@code locale} from
     * {@code userAttributes}, with the alert's text {@code text} (null for none).
     *
     * @throws IllegalArgumentException when an attribute is of a kind a template cannot format
     */
    String body(
            String locale, Map<String, AttributeValue> userAttributes, CompiledMessage.Rendered text, long firedAt) {
        boolean personal =
                text != null || contentState.personalised() || (attributes != null && attributes.personalised());
        if (!personal && same != null && sameAt == firedAt) {
            return same;
        }
        ObjectNode state = contentState.render(locale, userAttributes, defaults);
        ObjectNode attrs = attributes == null ? null : attributes.render(locale, userAttributes, defaults);
        String body = Payloads.liveActivity(
                activity,
                firedAt / 1000,
                attrs,
                state,
                text == null ? null : text.title,
                text == null ? null : text.body,
                sound,
                activity.event == LiveActivity.Event.START && activity.isBroadcast() ? activity.channelId : null);
        if (!personal) {
            same = body;
            sameAt = firedAt;
        }
        return body;
    }
}
