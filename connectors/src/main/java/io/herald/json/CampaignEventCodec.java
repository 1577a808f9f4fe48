package io.herald.json;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.model.Campaign;
import io.herald.model.CampaignEvent;
import io.herald.model.Outcome;
import io.herald.model.RawRecord;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses records of the {@code campaigns} topic: {@code {"type":"create", ...campaign fields}},
 * {@code {"type":"fire","campaignId":"c1"}} and {@code {"type":"cancel","campaignId":"c1"}}.
 * Whether a well-formed campaign makes sense is {@code CampaignValidator}'s question, not this one's.
 */
public final class CampaignEventCodec implements InputCodec<CampaignEvent> {
    private static final long serialVersionUID = 1L;

    /** The largest campaigns record read. */
    public static final int MAX_RECORD_BYTES = 512 * 1024;

    /**
     * The outcomes a {@code retry} (or its estimate) may name: what was not delivered and may be sent
     * again. There is no default: a retry names its outcomes, so {@code unconfirmed} (written to the
     * provider, no answer: most of those arrived) is sent again only when asked for by name.
     */
    public static final List<Outcome> RETRYABLE =
            List.of(Outcome.FAILED, Outcome.EXPIRED, Outcome.CANCELLED, Outcome.UNCONFIRMED);

    private static final String RETRYABLE_NAMES = "failed, expired, cancelled or unconfirmed";

    @Override
    public Parsed<CampaignEvent> parse(RawRecord record) {
        Parsed<JsonNode> json = Json.readObject(record.value);
        if (!json.isOk()) {
            return Parsed.error(json.error());
        }
        ObjectNode n = (ObjectNode) json.value();
        JsonFields f = new JsonFields(n, "");
        CampaignEvent e = new CampaignEvent();
        String type = f.text("type", true, 64);
        if (f.problem() != null) {
            return Parsed.error(f.problem());
        }
        try {
            e.type = CampaignEvent.Type.valueOf(type.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException ex) {
            return Parsed.error(
                    "type '" + type
                            + "' is not one of create, estimate, fire, cancel, send, retry, pause, resume, winner, approve, test");
        }
        boolean pauseOrResume = e.type == CampaignEvent.Type.PAUSE || e.type == CampaignEvent.Type.RESUME;
        e.campaignId = f.id("campaignId", !pauseOrResume);
        if (pauseOrResume) {
            e.appId = f.id("appId", false);
            if (f.problem() == null && (e.campaignId == null) == (e.appId == null)) {
                return Parsed.error("a " + type + " names either a campaignId or an appId (a whole app), not "
                        + (e.campaignId == null ? "neither" : "both"));
            }
        }
        if (f.problem() != null) {
            return Parsed.error(f.problem());
        }
        e.timestamp = record.timestamp;
        e.signedBy = record.signedBy;
        e.signatureRefusal = record.signatureRefusal;
        String oversize = Json.oversize(record.value, MAX_RECORD_BYTES, "campaigns");
        if (oversize != null) {
            return Parsed.error(oversize);
        }
        if (e.type == CampaignEvent.Type.SEND || e.type == CampaignEvent.Type.TEST) {
            e.userId = e.type == CampaignEvent.Type.SEND ? f.id("userId", true) : null;
            String sendId = f.id("sendId", false);
            if (f.problem() != null) {
                return Parsed.error(f.problem());
            }
            // Without a sendId the record's own position names the send, so a replay names it the same.
            e.sendId = sendId != null ? sendId : record.partition + "-" + record.offset;
            return Parsed.ok(e);
        }
        if (e.type == CampaignEvent.Type.APPROVE) {
            e.contentHash = f.text("contentHash", true, 64);
            return f.problem() != null ? Parsed.error(f.problem()) : Parsed.ok(e);
        }
        if (e.type == CampaignEvent.Type.WINNER) {
            e.arm = f.id("arm", true);
            return f.problem() != null ? Parsed.error(f.problem()) : Parsed.ok(e);
        }
        if (e.type == CampaignEvent.Type.FIRE) {
            e.confirmAudience = f.wholeNumber("confirmAudience", false);
            if (f.problem() != null) {
                return Parsed.error(f.problem());
            }
            if (e.confirmAudience != null && e.confirmAudience < 0) {
                return Parsed.error("confirmAudience is " + e.confirmAudience + ": an audience is 0 or more devices");
            }
            return Parsed.ok(e);
        }
        if (e.type == CampaignEvent.Type.RETRY || e.type == CampaignEvent.Type.ESTIMATE) {
            // An estimate with outcomes counts what a retry for them would reach.
            List<String> outcomes = f.strings("outcomes", e.type == CampaignEvent.Type.RETRY, 8, 32);
            if (f.problem() != null) {
                return Parsed.error(f.problem());
            }
            if (outcomes == null) {
                return Parsed.ok(e);
            }
            if (outcomes.isEmpty()) {
                return Parsed.error("outcomes is empty: name the outcomes (" + RETRYABLE_NAMES + ") to send again");
            }
            e.outcomes = new ArrayList<>();
            for (String o : outcomes) {
                Outcome outcome = RETRYABLE.stream()
                        .filter(r -> r.wire().equals(o))
                        .findFirst()
                        .orElse(null);
                if (outcome == null) {
                    return Parsed.error(
                            "outcomes holds '" + o + "': a retry is for " + RETRYABLE_NAMES + " notifications");
                }
                e.outcomes.add(outcome);
            }
            return Parsed.ok(e);
        }
        if (e.type == CampaignEvent.Type.CREATE) {
            e.contentHash = sha256(record.value);
            n.remove("type");
            String half = JsonFields.halfCharacterIn(n, "");
            if (half != null) {
                e.refusal = "campaign is malformed: " + half;
                return Parsed.ok(e);
            }
            try {
                e.campaign = Json.MAPPER.treeToValue(n, Campaign.class);
            } catch (JsonMappingException ex) {
                // A create whose campaign cannot be read is refused where its sender looks: campaign-status.
                e.refusal = "campaign is malformed: " + Json.describe(ex);
            } catch (Exception ex) {
                e.refusal = "campaign is malformed: " + Json.firstLine(ex.getMessage());
            }
        }
        return Parsed.ok(e);
    }

    /** The SHA-256 of {@code bytes}, in lower-case hex: what names a campaign's content for an approval. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** The JSON of a {@code winner} record, which Herald writes to the campaigns topic at a test's decision. */
    public static byte[] writeWinner(String campaignId, String arm) {
        return Json.bytes(Map.of("type", "winner", "campaignId", campaignId, "arm", arm));
    }
}
