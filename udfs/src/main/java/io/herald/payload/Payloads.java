package io.herald.payload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.model.AndroidOptions;
import io.herald.model.ApnsOptions;
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
     * The FCM HTTP v1 request body: {@code {"message": {"token", "notification", "data", "android"}}}.
     *
     * @param ttlSeconds time to live for Android, or null for FCM's default
     */
    public static String fcm(String token, String title, String body, Message message, String collapseKey,
            Long ttlSeconds) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode m = root.putObject("message");
        m.put("token", token);
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
        return write(root);
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
