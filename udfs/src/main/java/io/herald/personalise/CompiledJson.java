package io.herald.personalise;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.ibm.icu.text.MessageFormat;
import com.ibm.icu.text.MessagePattern;
import com.ibm.icu.util.ULocale;
import io.herald.model.AttributeValue;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JSON object whose text values are ICU MessageFormat templates (a Live Activity's content state
 * or attributes), compiled once and rendered per user: each template is formatted with the user's
 * attributes (a missing one takes its default) in the device's locale. A value that is a single
 * placeholder alone ({@code "{score}"}) becomes the attribute's own JSON value, so a number stays a
 * number for the app's {@code Codable} state. A value without braces is kept as it is.
 */
public final class CompiledJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ALONE = Pattern.compile("\\{\\s*([A-Za-z_][A-Za-z0-9_.-]*)\\s*}");

    private final ObjectNode template;
    /**
     * Every text value that is a template, by its path in the object: the names and indexes from the
     * root ({@code [score, home]}), kept apart so that a name with any character in it is one step.
     */
    private final Map<List<String>, String> templates = new LinkedHashMap<>();

    private final Set<String> argumentNames = new TreeSet<>();
    /** Formats by pattern and locale, compiled when first needed (one fan-out thread uses them). */
    private final Map<String, MessageFormat> formats = new HashMap<>();

    private CompiledJson(ObjectNode template, String path) {
        this.template = template;
        collect(template, List.of(), path);
    }

    /**
     * Compiles {@code json}, an object, found at {@code path} in its campaign.
     *
     * @throws IllegalArgumentException naming the value whose template is invalid, or if it is no object
     */
    public static CompiledJson compile(String json, String path) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(path + " is not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(path + " must be a JSON object");
        }
        return new CompiledJson((ObjectNode) node, path);
    }

    private void collect(JsonNode node, List<String> at, String path) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                collect(f.getValue(), append(at, f.getKey()), path);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collect(node.get(i), append(at, Integer.toString(i)), path);
            }
        } else if (node.isTextual() && node.textValue().indexOf('{') >= 0) {
            String pattern = node.textValue();
            MessageFormat format;
            try {
                format = new MessageFormat(pattern, ULocale.ROOT);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(path + "." + String.join(".", at)
                        + " is not a valid ICU MessageFormat" + " template: " + e.getMessage());
            }
            MessagePattern parts = new MessagePattern(format.toPattern());
            for (int i = 0; i < parts.countParts(); i++) {
                MessagePattern.Part part = parts.getPart(i);
                if (part.getType() == MessagePattern.Part.Type.ARG_NAME
                        || part.getType() == MessagePattern.Part.Type.ARG_NUMBER) {
                    argumentNames.add(parts.getSubstring(part));
                }
            }
            templates.put(at, pattern);
        }
    }

    /** Every attribute the templates name. */
    public Set<String> argumentNames() {
        return argumentNames;
    }

    /** Whether any value is a template: without one, every user gets the same object. */
    public boolean personalised() {
        return !templates.isEmpty();
    }

    /**
     * The object for one user: templates filled from {@code attributes}, else {@code defaults}, in
     * {@code locale} (null: the root locale's formats).
     *
     * @throws IllegalArgumentException when an attribute is of a kind its template cannot format
     */
    public ObjectNode render(String locale, Map<String, AttributeValue> attributes, Map<String, String> defaults) {
        if (templates.isEmpty()) {
            return template;
        }
        ObjectNode out = template.deepCopy();
        for (Map.Entry<List<String>, String> t : templates.entrySet()) {
            set(out, t.getKey(), value(t.getValue(), locale, attributes, defaults));
        }
        return out;
    }

    private JsonNode value(
            String pattern, String locale, Map<String, AttributeValue> attributes, Map<String, String> defaults) {
        Matcher alone = ALONE.matcher(pattern);
        if (alone.matches()) {
            AttributeValue a = attributes.get(alone.group(1));
            Object v = a == null ? null : a.value();
            if (v instanceof Number || v instanceof Boolean) {
                return JSON.valueToTree(v);
            }
            if (v == null && defaults != null && defaults.get(alone.group(1)) != null) {
                // Defaults are text; numeric text counts as a number (as in alerts' plurals), so a broadcast,
                // rendered from the defaults alone, sends the app's Codable state a number where it wants one.
                JsonNode typed = typedDefault(defaults.get(alone.group(1)));
                if (typed != null) {
                    return typed;
                }
            }
        }
        Map<String, Object> args = new HashMap<>();
        for (String name : argumentNames) {
            AttributeValue a = attributes.get(name);
            Object v = a == null ? null : a.value();
            args.put(name, v != null ? v : defaults == null ? null : defaults.get(name));
        }
        String key = pattern + '\u0000' + (locale == null ? "" : locale);
        MessageFormat format = formats.get(key);
        if (format == null) {
            if (formats.size() >= CompiledMessage.MAX_REMEMBERED) {
                formats.clear();
            }
            format = new MessageFormat(
                    pattern, locale == null ? ULocale.ROOT : ULocale.forLanguageTag(locale.replace('_', '-')));
            formats.put(key, format);
        }
        return TextNode.valueOf(format.format(args));
    }

    private static List<String> append(List<String> path, String step) {
        List<String> longer = new ArrayList<>(path.size() + 1);
        longer.addAll(path);
        longer.add(step);
        return List.copyOf(longer);
    }

    /** A default's text as a JSON number or boolean when it is one, else null. */
    private static JsonNode typedDefault(String text) {
        if (text.equals("true") || text.equals("false")) {
            return BooleanNode.valueOf(Boolean.parseBoolean(text));
        }
        if (!NUMBER.matcher(text).matches()) {
            return null;
        }
        return text.contains(".") || text.contains("e") || text.contains("E")
                ? DoubleNode.valueOf(Double.parseDouble(text))
                : LongNode.valueOf(Long.parseLong(text));
    }

    /** A JSON number, at most 18 digits before any fraction (so a long holds it). */
    private static final Pattern NUMBER = Pattern.compile("-?(?:0|[1-9]\\d{0,17})(?:\\.\\d+)?(?:[eE][+-]?\\d{1,3})?");

    private static void set(ObjectNode root, List<String> steps, JsonNode value) {
        JsonNode parent = root;
        for (int i = 0; i < steps.size() - 1; i++) {
            String step = steps.get(i);
            parent = parent.isArray() ? parent.get(Integer.parseInt(step)) : parent.get(step);
        }
        String last = steps.get(steps.size() - 1);
        if (parent.isArray()) {
            ((ArrayNode) parent).set(Integer.parseInt(last), value);
        } else {
            ((ObjectNode) parent).set(last, value);
        }
    }
}
