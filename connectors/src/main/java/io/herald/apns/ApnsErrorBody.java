package io.herald.apns;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.json.Json;

/** APNs's error body, {@code {"reason": "..."}}, as the requests Herald sends itself read it. */
public final class ApnsErrorBody {
    private ApnsErrorBody() {}

    /** The {@code reason} in {@code body}, or {@code unknown} when it has none or is not JSON. */
    public static String reason(String body) {
        try {
            JsonNode reason = Json.MAPPER.readTree(body).path("reason");
            return reason.isTextual() ? reason.asText() : "unknown";
        } catch (Exception e) {
            return "unknown";
        }
    }
}
