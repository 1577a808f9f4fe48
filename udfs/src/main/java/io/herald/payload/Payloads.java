package io.herald.payload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.model.Message;
import java.util.Map;

/** Builds the request bodies each provider expects from a rendered title and body. */
public final class Payloads {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Payloads() {}

    /**
     * The APNs payload: {@code aps.alert} with title and body, the sound if any, and the message's
     * custom data as top-level keys beside {@code aps}.
     */
    public static String apns(String title, String body, Message message) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode aps = root.putObject("aps");
        ObjectNode alert = aps.putObject("alert");
        if (title != null) {
            alert.put("title", title);
        }
        alert.put("body", body);
        if (message.sound != null) {
            aps.put("sound", message.sound);
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
        ObjectNode android = m.putObject("android");
        android.put("priority", "high");
        if (collapseKey != null) {
            android.put("collapse_key", collapseKey);
        }
        if (ttlSeconds != null) {
            android.put("ttl", ttlSeconds + "s");
        }
        if (message.sound != null) {
            android.putObject("notification").put("sound", message.sound);
        }
        return write(root);
    }

    private static String write(ObjectNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a JSON tree", e);
        }
    }
}
