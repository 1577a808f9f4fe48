package io.herald.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.model.Interaction;
import io.herald.model.RawRecord;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parses records of the {@code interactions} topic, what apps report of their users:
 *
 * <pre>{"type":"opened","userId":"u1","campaignId":"c1","notificationId":"c1/d1","at":1764064800000}
 * {"type":"action","userId":"u1","campaignId":"c1","action":"reply","at":1764064800000}
 * {"type":"event","userId":"u1","appId":"news","name":"purchase","value":12.5,"eventId":"e-81","at":1764064800000}</pre>
 *
 * As strict as the other inputs: each field of its type, ids as ids, an event's name as a name, a
 * value finite; a record that is not goes to the dead letters naming the field.
 */
public final class InteractionCodec implements InputCodec<Interaction> {
    private static final long serialVersionUID = 1L;

    /** The largest interactions record read. */
    public static final int MAX_RECORD_BYTES = 4096;
    /** The largest value an event may carry, either side of 0. */
    public static final double MAX_VALUE = 1e12;
    /** An event's or action's name: letters, digits, {@code _ . : -}, 1 to 64. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

    @Override
    public Parsed<Interaction> parse(RawRecord record) {
        Parsed<JsonNode> json = Json.readObject(record.value);
        if (!json.isOk()) {
            return Parsed.error(json.error());
        }
        JsonFields f = new JsonFields(json.value(), "");
        Interaction i = new Interaction();
        String type = f.text("type", true, 64);
        if (type != null) {
            try {
                i.type = Interaction.Type.valueOf(type.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return Parsed.error("type '" + type + "' is not one of opened, action, event");
            }
        }
        i.userId = f.id("userId", true);
        Long at = f.wholeNumber("at", false);
        i.eventId = f.id("eventId", false);
        if (i.type == Interaction.Type.EVENT) {
            i.appId = f.id("appId", true);
            i.name = name(f, "name", true);
            i.value = f.number("value", false, MAX_VALUE);
        } else if (i.type != null) {
            i.campaignId = f.id("campaignId", true);
            i.notificationId = f.id("notificationId", false);
            i.action = name(f, "action", i.type == Interaction.Type.ACTION);
            if (f.problem() == null && i.notificationId != null && !i.notificationId.startsWith(i.campaignId + "/")) {
                f.fail("notificationId is not one of campaign " + i.campaignId + "'s (campaignId/…/deviceId)");
            }
        }
        if (f.problem() == null && at != null && at <= 0) {
            f.fail("at is " + at + "; it must be epoch milliseconds");
        }
        if (f.problem() == null) {
            f.fail(Json.oversize(record.value, MAX_RECORD_BYTES, "interactions"));
        }
        if (f.problem() != null) {
            return Parsed.error(f.problem());
        }
        i.at = at != null ? at : record.timestamp;
        return Parsed.ok(i);
    }

    private static String name(JsonFields f, String field, boolean required) {
        String name = f.text(field, required, 64);
        if (name != null && !NAME.matcher(name).matches()) {
            f.fail(field + " '" + name + "' is not a name: 1 to 64 letters, digits, '_', '.', ':' or '-'");
            return null;
        }
        return name;
    }
}
