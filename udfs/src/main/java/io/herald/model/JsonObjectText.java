package io.herald.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;

/**
 * Reads a JSON object into its text, so a model field can hold an object of any shape (a Live
 * Activity's content state) as a plain string: the state backends serialize it as one, and its
 * shape is the app's, not Herald's. Anything but an object is refused, naming the field.
 */
public final class JsonObjectText extends StdDeserializer<String> {
    private static final long serialVersionUID = 1L;

    public JsonObjectText() {
        super(String.class);
    }

    @Override
    public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        JsonNode node = ctxt.readTree(p);
        if (node == null || !node.isObject()) {
            return ctxt.reportInputMismatch(String.class, "must be a JSON object");
        }
        return node.toString();
    }
}
