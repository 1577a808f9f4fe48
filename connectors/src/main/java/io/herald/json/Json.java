package io.herald.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;

/**
 * The one configured Jackson mapper Herald's codecs share, and small helpers around it. It reads
 * strictly: no value is coerced into another JSON type (a number is no string, a string no number),
 * an explicit {@code null} is refused rather than taken for "absent", and documents nest at most
 * {@link #MAX_DEPTH} deep; fields it does not know are left alone (producers evolve). It writes no
 * null field, whatever fields the written classes gain.
 */
public final class Json {
    /** The deepest any input record may nest. */
    public static final int MAX_DEPTH = 32;

    public static final ObjectMapper MAPPER = strictMapper();

    private Json() {}

    private static ObjectMapper strictMapper() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .build())
                .build();
        JsonMapper m = JsonMapper.builder(factory)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .defaultSetterInfo(JsonSetter.Value.construct(Nulls.FAIL, Nulls.FAIL))
                .serializationInclusion(JsonInclude.Include.NON_NULL)
                .build();
        m.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Enum).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        m.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        return m;
    }

    /**
     * A person's account of why a value could not be read into a class: where (the field's path)
     * and what Jackson found, without its hints about configuration.
     */
    static String describe(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        String what = firstLine(e.getOriginalMessage())
                .replaceAll(" \\(but could if coercion.*?\\)", "")
                .replaceAll("`java\\.lang\\.|`java\\.util\\.|`io\\.herald\\.model\\.", "`");
        return (path.length() == 0 ? "" : path + ": ") + what;
    }

    /**
     * Why a record of {@code bytes} is too large for its topic, or null. Checked after its fields, so
     * that a record made large by one field is refused naming that field (Kafka bounds what is read).
     */
    static String oversize(byte[] bytes, int maxBytes, String topicName) {
        return bytes.length <= maxBytes
                ? null
                : "record is " + bytes.length + " bytes, over the " + maxBytes + "-byte limit of " + topicName
                        + " records";
    }

    /** Reads {@code bytes} as a JSON object, or explains why it is not one. */
    static Parsed<JsonNode> readObject(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return Parsed.error("empty record value");
        }
        try {
            JsonNode node = MAPPER.readTree(bytes);
            if (node == null || !node.isObject()) {
                return Parsed.error("not a JSON object");
            }
            return Parsed.ok(node);
        } catch (IOException e) {
            return Parsed.error("malformed JSON: " + firstLine(e.getMessage()));
        }
    }

    /** The first line of a parser message, without the source excerpt Jackson appends. */
    static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    /** Writes any value as UTF-8 JSON bytes. */
    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
