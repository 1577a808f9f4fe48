package io.herald.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.model.RawRecord;
import io.herald.model.AudienceRow;

/** Parses records of the {@code audiences} topic: {@code {"campaignId":"c1","userId":"u1"}}. */
public final class AudienceRowCodec implements InputCodec<AudienceRow> {
    private static final long serialVersionUID = 1L;

    @Override
    public Parsed<AudienceRow> parse(RawRecord record) {
        Parsed<JsonNode> json = Json.readObject(record.value);
        if (!json.isOk()) {
            return Parsed.error(json.error());
        }
        String campaignId = Json.text(json.value(), "campaignId");
        String userId = Json.text(json.value(), "userId");
        if (campaignId == null || campaignId.isEmpty()) {
            return Parsed.error("campaignId is missing");
        }
        if (userId == null || userId.isEmpty()) {
            return Parsed.error("userId is missing");
        }
        return Parsed.ok(new AudienceRow(campaignId, userId));
    }
}
