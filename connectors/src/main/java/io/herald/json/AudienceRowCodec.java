package io.herald.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.model.AudienceRow;
import io.herald.model.RawRecord;

/** Parses records of the {@code audiences} topic: {@code {"campaignId":"c1","userId":"u1"}}. */
public final class AudienceRowCodec implements InputCodec<AudienceRow> {
    private static final long serialVersionUID = 1L;

    /** The largest audiences record read. */
    public static final int MAX_RECORD_BYTES = 4096;

    @Override
    public Parsed<AudienceRow> parse(RawRecord record) {
        Parsed<JsonNode> json = Json.readObject(record.value);
        if (!json.isOk()) {
            return Parsed.error(json.error());
        }
        JsonFields f = new JsonFields(json.value(), "");
        String campaignId = f.id("campaignId", true);
        String userId = f.id("userId", true);
        if (f.problem() == null) {
            f.fail(Json.oversize(record.value, MAX_RECORD_BYTES, "audiences"));
        }
        return f.problem() != null ? Parsed.error(f.problem()) : Parsed.ok(new AudienceRow(campaignId, userId));
    }
}
