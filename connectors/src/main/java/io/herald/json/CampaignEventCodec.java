package io.herald.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.model.RawRecord;
import io.herald.model.Campaign;
import io.herald.model.CampaignEvent;

/**
 * Parses records of the {@code campaigns} topic: {@code {"type":"create", ...campaign fields}},
 * {@code {"type":"fire","campaignId":"c1"}} and {@code {"type":"cancel","campaignId":"c1"}}.
 * Whether a well-formed campaign makes sense is {@code CampaignValidator}'s question, not this one's.
 */
public final class CampaignEventCodec implements InputCodec<CampaignEvent> {
    private static final long serialVersionUID = 1L;

    @Override
    public Parsed<CampaignEvent> parse(RawRecord record) {
        Parsed<JsonNode> json = Json.readObject(record.value);
        if (!json.isOk()) {
            return Parsed.error(json.error());
        }
        ObjectNode n = (ObjectNode) json.value();
        CampaignEvent e = new CampaignEvent();
        String type = Json.text(n, "type");
        if (type == null) {
            return Parsed.error("type is missing");
        }
        try {
            e.type = CampaignEvent.Type.valueOf(type.toUpperCase());
        } catch (IllegalArgumentException ex) {
            return Parsed.error("type '" + type + "' is not one of create, estimate, fire, cancel, send");
        }
        e.timestamp = record.timestamp;
        e.campaignId = Json.text(n, "campaignId");
        if (e.campaignId == null || e.campaignId.isBlank()) {
            return Parsed.error("campaignId is missing");
        }
        if (e.type == CampaignEvent.Type.SEND) {
            e.userId = Json.text(n, "userId");
            if (e.userId == null || e.userId.isEmpty()) {
                return Parsed.error("send without userId");
            }
            String sendId = Json.text(n, "sendId");
            // Without a sendId the record's own position names the send, so a replay names it the same.
            e.sendId = sendId != null ? sendId : record.partition + "-" + record.offset;
            return Parsed.ok(e);
        }
        if (e.type == CampaignEvent.Type.CREATE) {
            n.remove("type");
            try {
                e.campaign = Json.MAPPER.treeToValue(n, Campaign.class);
            } catch (Exception ex) {
                return Parsed.error("campaign is malformed: " + Json.firstLine(ex.getMessage()));
            }
        }
        return Parsed.ok(e);
    }
}
