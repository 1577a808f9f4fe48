package io.herald.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.model.RawRecord;
import io.herald.model.AttributeValue;
import io.herald.model.DeviceEvent;
import io.herald.model.Platform;
import io.herald.state.DeviceEventValidator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Parses records of the {@code devices} topic and writes Herald's own feedback events to it.
 *
 * Types: {@code register}, {@code update}, {@code tags_add}, {@code tags_remove}, {@code attributes_set},
 * {@code attributes_unset}, {@code uninstall}, {@code erase_user}, {@code token_rejected}.
 *
 * <pre>{"type":"register","userId":"u1","deviceId":"d1","appId":"news","platform":"ios",
 *  "token":"…","locale":"pt-BR","timezone":"America/Sao_Paulo","appVersion":"5.2.0","optIn":true,
 *  "attributes":{"name":"Ana","streak":3},"tags":["sports"],"version":1732250000000}</pre>
 */
public final class DeviceEventCodec implements InputCodec<DeviceEvent> {
    private static final long serialVersionUID = 1L;

    @Override
    public Parsed<DeviceEvent> parse(RawRecord record) {
        Parsed<JsonNode> json = Json.readObject(record.value);
        if (!json.isOk()) {
            return Parsed.error(json.error());
        }
        JsonNode n = json.value();
        DeviceEvent e = new DeviceEvent();
        String type = Json.text(n, "type");
        if (type == null) {
            return Parsed.error("type is missing");
        }
        try {
            e.type = DeviceEvent.Type.valueOf(type.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException ex) {
            return Parsed.error("type '" + type + "' is not one of register, update, tags_add, tags_remove, "
                    + "attributes_set, attributes_unset, uninstall, erase_user, token_rejected");
        }
        e.userId = Json.text(n, "userId");
        e.deviceId = Json.text(n, "deviceId");
        if (e.userId == null || e.userId.isEmpty()) {
            return Parsed.error("userId is missing");
        }
        JsonNode version = n.get("version");
        if (version == null || !version.canConvertToLong() || !version.isIntegralNumber()) {
            return Parsed.error("version is missing or not a whole number");
        }
        e.version = version.asLong();
        e.appId = Json.text(n, "appId");
        e.token = Json.text(n, "token");
        e.locale = Json.text(n, "locale");
        e.timezone = Json.text(n, "timezone");
        e.appVersion = Json.text(n, "appVersion");
        e.reason = Json.text(n, "reason");
        String platform = Json.text(n, "platform");
        if (platform != null) {
            e.platform = Platform.fromWire(platform);
            if (e.platform == null) {
                return Parsed.error("platform '" + platform + "' is not one of ios, android");
            }
        }
        JsonNode optIn = n.get("optIn");
        if (optIn != null && !optIn.isNull()) {
            if (!optIn.isBoolean()) {
                return Parsed.error("optIn is not a boolean");
            }
            e.optIn = optIn.asBoolean();
        }
        JsonNode lastSeen = n.get("lastSeen");
        if (lastSeen != null && !lastSeen.isNull()) {
            if (!lastSeen.isIntegralNumber()) {
                return Parsed.error("lastSeen is not a whole number (epoch milliseconds)");
            }
            e.lastSeen = lastSeen.asLong();
        }
        JsonNode unset = n.get("unset");
        if (unset != null && !unset.isNull()) {
            if (!unset.isArray()) {
                return Parsed.error("unset is not an array");
            }
            e.unset = new ArrayList<>();
            for (JsonNode u : unset) {
                if (!u.isTextual()) {
                    return Parsed.error("unset holds a value that is not a string");
                }
                e.unset.add(u.asText());
            }
        }
        JsonNode tags = n.get("tags");
        if (tags != null && !tags.isNull()) {
            if (!tags.isArray()) {
                return Parsed.error("tags is not an array");
            }
            e.tags = new ArrayList<>();
            for (JsonNode t : tags) {
                if (!t.isTextual()) {
                    return Parsed.error("tags holds a value that is not a string");
                }
                e.tags.add(t.asText());
            }
        }
        JsonNode attributes = n.get("attributes");
        if (attributes != null && !attributes.isNull()) {
            if (!attributes.isObject()) {
                return Parsed.error("attributes is not an object");
            }
            e.attributes = new HashMap<>();
            Iterator<Map.Entry<String, JsonNode>> it = attributes.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> a = it.next();
                JsonNode v = a.getValue();
                Object scalar;
                if (v.isTextual()) {
                    scalar = v.asText();
                } else if (v.isNumber()) {
                    scalar = v.numberValue();
                } else if (v.isBoolean()) {
                    scalar = v.asBoolean();
                } else if (v.isObject() && v.size() == 1 && v.path("timestamp").isTextual()) {
                    try {
                        e.attributes.put(a.getKey(), AttributeValue.timestamp(
                                java.time.Instant.parse(v.get("timestamp").asText()).toEpochMilli(), e.version));
                        continue;
                    } catch (java.time.format.DateTimeParseException ex) {
                        return Parsed.error("attributes." + a.getKey() + ".timestamp is not an ISO-8601 instant");
                    }
                } else {
                    return Parsed.error("attributes." + a.getKey()
                            + " is not a string, number, boolean or {\"timestamp\": ISO-8601}");
                }
                e.attributes.put(a.getKey(), AttributeValue.of(scalar, e.version));
            }
        }
        String problem = DeviceEventValidator.problem(e);
        return problem == null ? Parsed.ok(e) : Parsed.error(problem);
    }

    /** The JSON of a {@code token_rejected} event, which Herald writes back to the devices topic. */
    public static byte[] write(DeviceEvent e) {
        Map<String, Object> m = new HashMap<>();
        m.put("type", e.type.name().toLowerCase());
        m.put("userId", e.userId);
        m.put("deviceId", e.deviceId);
        if (e.appId != null) {
            m.put("appId", e.appId);
        }
        if (e.token != null) {
            m.put("token", e.token);
        }
        if (e.reason != null) {
            m.put("reason", e.reason);
        }
        m.put("version", e.version);
        return Json.bytes(m);
    }
}
