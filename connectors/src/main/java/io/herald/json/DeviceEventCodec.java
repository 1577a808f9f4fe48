package io.herald.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.model.AttributeValue;
import io.herald.model.DeviceEvent;
import io.herald.model.Platform;
import io.herald.model.PushKeys;
import io.herald.model.RawRecord;
import io.herald.state.DeviceEventValidator;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Parses records of the {@code devices} topic and writes Herald's own feedback events to it.
 *
 * Types: {@code register}, {@code update}, {@code tags_add}, {@code tags_remove}, {@code attributes_set},
 * {@code attributes_unset}, {@code uninstall}, {@code erase_user}, {@code token_rejected},
 * {@code claims_released}, {@code live_activity_token}, {@code live_activity_ended}.
 *
 * <pre>{"type":"register","userId":"u1","deviceId":"d1","appId":"news","platform":"ios",
 *  "token":"…","locale":"pt-BR","timezone":"America/Sao_Paulo","appVersion":"5.2.0","optIn":true,
 *  "attributes":{"name":"Ana","streak":3},"tags":["sports"],"version":1732250000000}</pre>
 *
 * <p>A browser (platform {@code web}) gives its push subscription instead of a token, as the Push
 * API's {@code PushSubscription.toJSON()} writes it, and optionally its browser's name:
 *
 * <pre>{"type":"register","userId":"u1","deviceId":"w1","appId":"news","platform":"web","browser":"firefox",
 *  "subscription":{"endpoint":"https://push.example/…","expirationTime":null,
 *  "keys":{"p256dh":"BNcR…","auth":"tBHI…"}},"version":1732250000000}</pre>
 *
 * <p>An iOS app's Live Activity tokens: without {@code activityId} the push-to-start token of an
 * activity type, with it the update token of that running activity; and the end of an activity:
 *
 * <pre>{"type":"live_activity_token","userId":"u1","deviceId":"d1","appId":"news",
 *  "activityType":"MatchAttributes","activityId":"match-42","token":"…","version":1732250000000}
 * {"type":"live_activity_ended","userId":"u1","deviceId":"d1","activityId":"match-42","version":1732250600000}</pre>
 */
public final class DeviceEventCodec implements InputCodec<DeviceEvent> {
    private static final long serialVersionUID = 1L;

    /** The largest devices record read. */
    public static final int MAX_RECORD_BYTES = 64 * 1024;
    /** The most tags, attributes or unset names one event may carry. */
    static final int MAX_ITEMS = 1000;
    /** The longest string attribute value, tag or text field besides tokens. */
    static final int MAX_TEXT_BYTES = 4096;

    @Override
    public Parsed<DeviceEvent> parse(RawRecord record) {
        Parsed<JsonNode> json = Json.readObject(record.value);
        if (!json.isOk()) {
            return Parsed.error(json.error());
        }
        JsonFields f = new JsonFields(json.value(), "");
        DeviceEvent e = new DeviceEvent();
        String type = f.text("type", true, 64);
        if (type != null) {
            try {
                e.type = DeviceEvent.Type.valueOf(type.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException ex) {
                return Parsed.error("type '" + type + "' is not one of register, update, tags_add, tags_remove, "
                        + "attributes_set, attributes_unset, uninstall, erase_user, token_rejected, claims_released, "
                        + "live_activity_token, live_activity_ended");
            }
        }
        e.userId = f.id("userId", true);
        Long version = f.wholeNumber("version", true);
        e.deviceId = f.id("deviceId", false);
        e.appId = f.id("appId", false);
        e.token = f.text("token", false, MAX_TEXT_BYTES);
        // Their characters and lengths are the validator's to check, with the other event rules.
        e.activityType = f.text("activityType", false, 1024);
        e.activityId = f.text("activityId", false, 1024);
        e.locale = f.text("locale", false, 64);
        e.timezone = f.text("timezone", false, 64);
        e.appVersion = f.id("appVersion", false);
        e.reason = f.text("reason", false, 1024);
        String platform = f.text("platform", false, 16);
        e.optIn = f.bool("optIn", false);
        e.lastSeen = f.wholeNumber("lastSeen", false);
        e.unset = f.strings("unset", false, MAX_ITEMS, JsonFields.MAX_ID_BYTES);
        e.tags = f.strings("tags", false, MAX_ITEMS, JsonFields.MAX_ID_BYTES);
        JsonNode attributes = f.object("attributes", false);
        e.browser = f.text("browser", false, 64);
        JsonNode subscription = f.object("subscription", false);
        if (f.problem() != null) {
            return Parsed.error(f.problem());
        }
        if (subscription != null) {
            if (e.token != null) {
                return Parsed.error("token and subscription are both given; a web device gives its subscription only");
            }
            JsonFields s = new JsonFields(subscription, "subscription.");
            e.token = s.text("endpoint", true, MAX_TEXT_BYTES);
            JsonNode keys = s.object("keys", true);
            if (keys != null) {
                JsonFields k = new JsonFields(keys, "subscription.keys.");
                String p256dh = k.text("p256dh", true, 200);
                String auth = k.text("auth", true, 200);
                s.fail(k.problem());
                e.pushKeys = PushKeys.of(p256dh, auth);
            }
            if (s.problem() != null) {
                return Parsed.error(s.problem());
            }
        }
        e.version = version;
        if (platform != null) {
            e.platform = Platform.fromWire(platform);
            if (e.platform == null) {
                return Parsed.error("platform '" + platform + "' is not one of ios, android, web");
            }
            if (e.platform == Platform.WEB
                    && subscription == null
                    && e.token != null
                    && (e.type == DeviceEvent.Type.REGISTER || e.type == DeviceEvent.Type.UPDATE)) {
                return Parsed.error("token is for ios and android; a web device gives its subscription");
            }
        }
        if (attributes != null) {
            String problem = readAttributes(attributes, e);
            if (problem != null) {
                return Parsed.error(problem);
            }
        }
        String problem = DeviceEventValidator.problem(e);
        if (problem == null) {
            problem = Json.oversize(record.value, MAX_RECORD_BYTES, "devices");
        }
        return problem == null ? Parsed.ok(e) : Parsed.error(problem);
    }

    /** A user's attributes: string, number, boolean, or {"timestamp": ISO-8601}; the names are ids. */
    private static String readAttributes(JsonNode attributes, DeviceEvent e) {
        if (attributes.size() > MAX_ITEMS) {
            return "attributes has " + attributes.size() + " entries, over the limit of " + MAX_ITEMS;
        }
        e.attributes = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = attributes.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> a = it.next();
            String name = a.getKey();
            String field = "attributes." + name;
            String badName = JsonFields.textProblem("an attribute's name", name, JsonFields.MAX_ID_BYTES);
            if (badName != null) {
                return "attributes: " + badName;
            }
            JsonNode v = a.getValue();
            Object scalar;
            if (v.isTextual()) {
                int bytes = JsonFields.utf8Length(v.textValue());
                if (bytes > MAX_TEXT_BYTES) {
                    return field + " is " + bytes + " bytes long, over the " + MAX_TEXT_BYTES + "-byte limit";
                }
                String half = JsonFields.surrogateProblem(field, v.textValue());
                if (half != null) {
                    return half;
                }
                scalar = v.textValue();
            } else if (v.isNumber()) {
                scalar = v.numberValue();
            } else if (v.isBoolean()) {
                scalar = v.booleanValue();
            } else if (v.isObject() && v.size() == 1 && v.path("timestamp").isTextual()) {
                try {
                    e.attributes.put(
                            name,
                            AttributeValue.timestamp(
                                    Instant.parse(v.get("timestamp").textValue())
                                            .toEpochMilli(),
                                    e.version));
                    continue;
                } catch (DateTimeParseException ex) {
                    return field + ".timestamp is not an ISO-8601 instant";
                }
            } else {
                return field + " is " + JsonFields.kind(v)
                        + "; it must be a string, number, boolean or {\"timestamp\": ISO-8601}";
            }
            e.attributes.put(name, AttributeValue.of(scalar, e.version));
        }
        return null;
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
        if (e.activityType != null) {
            m.put("activityType", e.activityType);
        }
        if (e.activityId != null) {
            m.put("activityId", e.activityId);
        }
        if (e.reason != null) {
            m.put("reason", e.reason);
        }
        m.put("version", e.version);
        return Json.bytes(m);
    }
}
