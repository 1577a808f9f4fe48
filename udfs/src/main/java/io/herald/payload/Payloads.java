package io.herald.payload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.model.AndroidOptions;
import io.herald.model.ApnsOptions;
import io.herald.model.LiveActivity;
import io.herald.model.Message;
import java.util.Map;

/** Builds the request bodies each provider expects from a rendered title and body. */
public final class Payloads {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Payloads() {}

    /**
     * The APNs payload: {@code aps} with the alert (title, subtitle, body), sound, badge, thread-id,
     * category, mutable-content, interruption-level and relevance-score; for a background push only
     * {@code content-available}. The message's custom data goes beside {@code aps}.
     */
    public static String apns(String title, String body, Message message) {
        ApnsOptions o = message.apns == null ? new ApnsOptions() : message.apns;
        ObjectNode root = JSON.createObjectNode();
        ObjectNode aps = root.putObject("aps");
        if (Boolean.TRUE.equals(o.contentAvailable)) {
            aps.put("content-available", 1);
        } else {
            ObjectNode alert = aps.putObject("alert");
            if (title != null) {
                alert.put("title", title);
            }
            if (o.subtitle != null) {
                alert.put("subtitle", o.subtitle);
            }
            alert.put("body", body);
            if (message.sound != null) {
                aps.put("sound", message.sound);
            }
        }
        if (o.badge != null) {
            aps.put("badge", o.badge);
        }
        if (o.threadId != null) {
            aps.put("thread-id", o.threadId);
        }
        if (o.category != null) {
            aps.put("category", o.category);
        }
        if (Boolean.TRUE.equals(o.mutableContent)) {
            aps.put("mutable-content", 1);
        }
        if (o.interruptionLevel != null) {
            aps.put("interruption-level", o.interruptionLevel);
        }
        if (o.relevanceScore != null) {
            aps.put("relevance-score", o.relevanceScore);
        }
        if (message.data != null) {
            for (Map.Entry<String, String> d : message.data.entrySet()) {
                if (!"aps".equals(d.getKey())) {
                    root.put(d.getKey(), d.getValue());
                }
            }
        }
        return write(root);
    }

    /**
     * A Live Activity push ({@code apns-push-type: liveactivity}): {@code aps} with the event, its
     * {@code timestamp} (which orders updates on the device: an older one is dropped), the content
     * state, and what the event takes: a start its {@code attributes-type} and attributes (with
     * Herald's {@code heraldActivityId}), an alert (required to start one), and either the broadcast
     * channel to subscribe to ({@code input-push-channel}) or a request for an update token
     * ({@code input-push-token}); an update an optional alert, stale date and relevance; an end its
     * dismissal date.
     *
     * @param title the alert's title, or null
     * @param body the alert's body, or null for no alert
     * @param channelId the broadcast channel a start subscribes the device to, or null
     */
    public static String liveActivity(
            LiveActivity activity,
            long timestampSeconds,
            ObjectNode attributes,
            ObjectNode contentState,
            String title,
            String body,
            String sound,
            String channelId) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode aps = root.putObject("aps");
        aps.put("timestamp", timestampSeconds);
        aps.put("event", activity.event.wire());
        aps.set("content-state", contentState);
        if (activity.event == LiveActivity.Event.START) {
            aps.put("attributes-type", activity.activityType);
            ObjectNode a = attributes == null ? JSON.createObjectNode() : attributes.deepCopy();
            a.put(HERALD_ACTIVITY_ID, activity.activityId);
            aps.set("attributes", a);
            if (channelId != null) {
                aps.put("input-push-channel", channelId);
            } else {
                aps.put("input-push-token", 1);
            }
        }
        if (body != null) {
            ObjectNode alert = aps.putObject("alert");
            putIfSet(alert, "title", title);
            alert.put("body", body);
            putIfSet(alert, "sound", sound);
        }
        if (activity.staleDate != null) {
            aps.put("stale-date", activity.staleDate);
        }
        if (activity.event == LiveActivity.Event.END && activity.dismissalDate != null) {
            aps.put("dismissal-date", activity.dismissalDate);
        }
        if (activity.relevanceScore != null) {
            aps.put("relevance-score", activity.relevanceScore);
        }
        return write(root);
    }

    /** The attribute a start adds for the app: the activity's name in Herald, under which it reports its update token. */
    public static final String HERALD_ACTIVITY_ID = "heraldActivityId";

    /**
     * The most bytes of UTF-8 a web push message may take: one aes128gcm record of 4,096 bytes less
     * its header (86), padding delimiter (1) and tag (16), as RFC 8291 encrypts it (the connectors'
     * {@code WebPushEncryption.MAX_PLAINTEXT_LENGTH}; a test holds them equal).
     */
    public static final int WEB_PUSH_MAX_BYTES = 4096 - 86 - 1 - 16;

    /**
     * The web push message a service worker receives (before encryption):
     * {@code {"notification": {"title", "body", "tag"}, "data": {...}}}, the notification's
     * members named as the Notifications API's options are, so that the worker can pass it to
     * {@code showNotification(n.title, n)}; {@code tag} is the campaign's collapse id (a newer one
     * replaces the shown one), as the {@code Topic} header replaces one not yet delivered.
     */
    public static String web(String title, String body, Message message, String tag) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode n = root.putObject("notification");
        if (title != null) {
            n.put("title", title);
        }
        n.put("body", body);
        putIfSet(n, "tag", tag);
        if (message.data != null && !message.data.isEmpty()) {
            ObjectNode data = root.putObject("data");
            message.data.forEach(data::put);
        }
        return write(root);
    }

    /**
     * The FCM HTTP v1 request body: {@code {"message": {"token", "notification", "data", "android"}}}.
     *
     * @param ttlSeconds time to live for Android, or null for FCM's default
     */
    public static String fcm(
            String token, String title, String body, Message message, String collapseKey, Long ttlSeconds) {
        return fcmBody(title, body, message, collapseKey, ttlSeconds).forToken(token);
    }

    /**
     * The FCM request body for any device: everything but the token, which {@link FcmBody#forToken}
     * puts in. Built once per rendering, it makes each device's body a copy, not a JSON tree.
     */
    public static FcmBody fcmBody(String title, String body, Message message, String collapseKey, Long ttlSeconds) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode m = root.putObject("message");
        m.put("token", "");
        ObjectNode n = m.putObject("notification");
        if (title != null) {
            n.put("title", title);
        }
        n.put("body", body);
        if (message.data != null && !message.data.isEmpty()) {
            ObjectNode data = m.putObject("data");
            message.data.forEach(data::put);
        }
        AndroidOptions o = message.android == null ? new AndroidOptions() : message.android;
        ObjectNode android = m.putObject("android");
        android.put("priority", o.priority == null ? "high" : o.priority);
        if (collapseKey != null) {
            android.put("collapse_key", collapseKey);
        }
        if (ttlSeconds != null) {
            android.put("ttl", ttlSeconds + "s");
        }
        ObjectNode an = JSON.createObjectNode();
        putIfSet(an, "sound", message.sound);
        putIfSet(an, "channel_id", o.channelId);
        putIfSet(an, "tag", o.tag);
        putIfSet(an, "color", o.color);
        putIfSet(an, "icon", o.icon);
        if (an.size() > 0) {
            android.set("notification", an);
        }
        return new FcmBody(write(root));
    }

    /** An FCM request body with its token left out; {@link #forToken} completes it for one device. */
    public static final class FcmBody {
        /** How every body starts: the token is the message's first field. */
        private static final String BEFORE_TOKEN = "{\"message\":{\"token\":\"";

        private final String afterToken;

        private FcmBody(String withEmptyToken) {
            if (!withEmptyToken.startsWith(BEFORE_TOKEN + "\"")) {
                throw new IllegalStateException("the token is not the FCM message's first field: " + withEmptyToken);
            }
            this.afterToken = withEmptyToken.substring(BEFORE_TOKEN.length());
        }

        /** An upper bound on the UTF-8 size of {@link #forToken}'s body: escaping writes at most 6 ASCII chars per char. */
        public int maxUtf8Bytes(String token) {
            return 3 * (BEFORE_TOKEN.length() + afterToken.length()) + 6 * token.length();
        }

        /** The body for the device with {@code token}, escaped as JSON needs. */
        public String forToken(String token) {
            char[] escaped = JsonStringEncoder.getInstance().quoteAsString(token);
            return new StringBuilder(BEFORE_TOKEN.length() + escaped.length + afterToken.length())
                    .append(BEFORE_TOKEN)
                    .append(escaped)
                    .append(afterToken)
                    .toString();
        }
    }

    private static void putIfSet(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static String write(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree", e);
        }
    }
}
