package io.herald.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.model.Texts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the fields of one input record strictly: every field has one JSON type, ids are non-empty,
 * at most {@link #MAX_ID_BYTES} bytes of UTF-8 and free of control characters, texts have a size
 * limit, and {@code null} is never taken for "absent". The first problem is kept, worded with the
 * field's name ({@link #problem()}); once there is one, the reads that follow return null. Fields
 * the record has beyond those read are left alone: producers may add fields before Herald reads them.
 */
public final class JsonFields {
    /** The most bytes of UTF-8 an id may take. */
    public static final int MAX_ID_BYTES = 256;

    private final JsonNode node;
    private final String prefix;
    private String problem;

    /** @param prefix what field names are written after in problems ("" or, say, "attributes.") */
    public JsonFields(JsonNode node, String prefix) {
        this.node = node;
        this.prefix = prefix;
    }

    /** The first problem met, or null. */
    public String problem() {
        return problem;
    }

    /** Records a problem of the caller's own (the first one stays). */
    public void fail(String problem) {
        if (this.problem == null) {
            this.problem = problem;
        }
    }

    /** An id: a non-empty string of at most 256 bytes of UTF-8 without control characters. */
    public String id(String field, boolean required) {
        return text(field, required, MAX_ID_BYTES);
    }

    /**
     * A non-empty string of at most {@code maxBytes} bytes of UTF-8 without control characters (none
     * of the fields read this way means anything empty or holds a line break).
     */
    public String text(String field, boolean required, int maxBytes) {
        JsonNode v = value(field, required, "a string");
        if (v == null) {
            return null;
        }
        return checkedText(field, v, maxBytes);
    }

    /** A string value, checked: non-empty, at most {@code maxBytes}, no control characters. */
    private String checkedText(String field, JsonNode v, int maxBytes) {
        if (!v.isTextual()) {
            return wrongType(field, v, "a string");
        }
        String problem = textProblem(prefix + field, v.textValue(), maxBytes);
        if (problem != null) {
            fail(problem);
            return null;
        }
        return v.textValue();
    }

    /**
     * Why {@code s}, the value of {@code field}, is not a non-empty text of at most {@code maxBytes}
     * bytes of UTF-8 without control characters; null if it is.
     */
    public static String textProblem(String field, String s, int maxBytes) {
        if (s.isEmpty()) {
            return field + " is empty";
        }
        int bytes = utf8Length(s);
        if (bytes > maxBytes) {
            return field + " is " + bytes + " bytes long, over the " + maxBytes + "-byte limit";
        }
        int at = controlCharacter(s);
        if (at >= 0) {
            return String.format("%s has a control character (U+%04X) at %d", field, (int) s.charAt(at), at);
        }
        return surrogateProblem(field, s);
    }

    /**
     * Why {@code s} is not well-formed UTF-16 (a JSON escape can spell a surrogate, U+D800 to U+DFFF,
     * without its pair: half a character, which no UTF-8 holds and which would come back as '?' from
     * state or a shuffle, a different id); null if it is.
     */
    public static String surrogateProblem(String field, String s) {
        int at = Texts.loneSurrogateAt(s);
        return at < 0
                ? null
                : String.format(
                        "%s has half a character (a lone surrogate, U+%04X) at %d", field, (int) s.charAt(at), at);
    }

    /**
     * Why some text in {@code node} (a value or a field's name, at any depth) holds half a character,
     * naming where ({@code path} for {@code node} itself, dotted below it); null if none does. For
     * records read whole into a model, such as a campaign, whose fields are not read one by one here.
     */
    public static String halfCharacterIn(JsonNode node, String path) {
        if (node.isTextual()) {
            return surrogateProblem(path, node.textValue());
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String problem = halfCharacterIn(node.get(i), path + "[" + i + "]");
                if (problem != null) {
                    return problem;
                }
            }
        }
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> f = fields.next();
            String at = path.isEmpty() ? f.getKey() : path + "." + f.getKey();
            String problem =
                    surrogateProblem("a field's name in " + (path.isEmpty() ? "the record" : path), f.getKey());
            if (problem == null) {
                problem = halfCharacterIn(f.getValue(), at);
            }
            if (problem != null) {
                return problem;
            }
        }
        return null;
    }

    /** A whole number. */
    public Long wholeNumber(String field, boolean required) {
        JsonNode v = value(field, required, "a whole number");
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            return wrongType(field, v, "a whole number");
        }
        return v.longValue();
    }

    /** A finite number (whole or not) of at most {@code maxMagnitude} either side of 0. */
    public Double number(String field, boolean required, double maxMagnitude) {
        JsonNode v = value(field, required, "a number");
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            return wrongType(field, v, "a number");
        }
        double d = v.doubleValue();
        if (!Double.isFinite(d) || Math.abs(d) > maxMagnitude) {
            fail(prefix + field + " is " + v.asText() + "; it must be a number from -" + (long) maxMagnitude + " to "
                    + (long) maxMagnitude);
            return null;
        }
        return d;
    }

    /** true or false. */
    public Boolean bool(String field, boolean required) {
        JsonNode v = value(field, required, "a boolean");
        if (v == null) {
            return null;
        }
        return v.isBoolean() ? v.booleanValue() : wrongType(field, v, "a boolean");
    }

    /** An array of at most {@code maxItems} strings, each at most {@code maxBytes} bytes and free of control characters. */
    public List<String> strings(String field, boolean required, int maxItems, int maxBytes) {
        JsonNode v = value(field, required, "an array of strings");
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            return wrongType(field, v, "an array of strings");
        }
        if (v.size() > maxItems) {
            fail(prefix + field + " has " + v.size() + " items, over the limit of " + maxItems);
            return null;
        }
        List<String> out = new ArrayList<>(v.size());
        for (int i = 0; i < v.size(); i++) {
            String s = checkedText(field + "[" + i + "]", v.get(i), maxBytes);
            if (s == null) {
                return null;
            }
            out.add(s);
        }
        return out;
    }

    /** A JSON object (its fields are the caller's to read). */
    public JsonNode object(String field, boolean required) {
        JsonNode v = value(field, required, "an object");
        if (v == null) {
            return null;
        }
        return v.isObject() ? v : wrongType(field, v, "an object");
    }

    /** The field's value; null (and a problem if required) when absent; a problem when JSON null. */
    private JsonNode value(String field, boolean required, String expected) {
        if (problem != null) {
            return null;
        }
        JsonNode v = node.get(field);
        if (v == null || v.isMissingNode()) {
            if (required) {
                fail(prefix + field + " is missing");
            }
            return null;
        }
        if (v.isNull()) {
            fail(prefix + field + " is null; it must be " + expected + (required ? "" : " (or be left out)"));
            return null;
        }
        return v;
    }

    private <T> T wrongType(String field, JsonNode v, String expected) {
        fail(prefix + field + " is " + kind(v) + "; it must be " + expected);
        return null;
    }

    /** What a JSON value is, as a person would say it. */
    static String kind(JsonNode v) {
        if (v.isTextual()) {
            return "a string";
        }
        if (v.isIntegralNumber()) {
            return "a whole number";
        }
        if (v.isNumber()) {
            return "a number";
        }
        if (v.isBoolean()) {
            return "a boolean";
        }
        if (v.isArray()) {
            return "an array";
        }
        if (v.isObject()) {
            return "an object";
        }
        return v.isNull() ? "null" : v.getNodeType().name().toLowerCase(Locale.ROOT);
    }

    /** Where the first control character (C0, DEL, C1) of {@code s} is, or -1. */
    static int controlCharacter(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
