package io.herald.job.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.herald.campaign.CampaignValidator;
import io.herald.job.functions.ValidateCampaigns;
import io.herald.json.CampaignEventCodec;
import io.herald.json.Parsed;
import io.herald.model.CampaignEvent;
import io.herald.model.RawRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A campaign written as a file (JSON, or YAML for a name ending in {@code .yaml} or {@code .yml}):
 * the fields of a {@code create} record of the {@code campaigns} topic. {@link #check} runs the job's
 * own parsing and validation on it, so a campaign the job would refuse is refused before it is written.
 */
public final class CampaignFile {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final String campaignId;
    private final byte[] createRecord;

    private CampaignFile(String campaignId, byte[] createRecord) {
        this.campaignId = campaignId;
        this.createRecord = createRecord;
    }

    /**
     * Reads {@code file}; {@code type} may be left out, or be {@code create}.
     *
     * @throws IllegalArgumentException if it is not a JSON or YAML object, or is some other event
     */
    public static CampaignFile read(Path file) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        ObjectMapper reader = name.endsWith(".yaml") || name.endsWith(".yml") ? YAML : JSON;
        JsonNode n;
        try {
            n = reader.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + " is not " + (reader == YAML ? "YAML" : "JSON") + ": "
                    + e.getOriginalMessage() + locationOf(e));
        }
        if (!(n instanceof ObjectNode o)) {
            throw new IllegalArgumentException(
                    file + ": a campaign is an object (campaignId, appId, audience, message, ...)");
        }
        JsonNode type = o.get("type");
        if (type != null && !"create".equals(type.asText())) {
            throw new IllegalArgumentException(file + ": type is '" + type.asText()
                    + "'; a campaign file holds a campaign (type create, or no type)");
        }
        ObjectNode record = JSON.createObjectNode();
        record.put("type", "create");
        record.setAll(o);
        return new CampaignFile(o.path("campaignId").asText(null), JSON.writeValueAsBytes(record));
    }

    private static String locationOf(JsonProcessingException e) {
        var at = e.getLocation();
        return at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    /**
     * What the job would refuse this campaign for, empty if nothing: the job's own codec and
     * {@link ValidateCampaigns#problems}, for the apps {@code knownApps}.
     */
    public List<String> check(Set<String> knownApps) {
        Parsed<CampaignEvent> parsed = new CampaignEventCodec()
                .parse(new RawRecord("campaigns", 0, 0, System.currentTimeMillis(), createRecord));
        if (!parsed.isOk()) {
            return List.of(parsed.error());
        }
        return ValidateCampaigns.problems(parsed.value(), new CampaignValidator(knownApps));
    }

    /** The campaign's id, or null if the file has none (then {@link #check} says so). */
    public String campaignId() {
        return campaignId;
    }

    /**
     * The app whose APNs channel this campaign needs created first: a broadcast Live Activity start
     * that names no channel; null for any other campaign.
     */
    public String appNeedingChannel() {
        try {
            JsonNode n = JSON.readTree(createRecord);
            JsonNode live = n.path("liveActivity");
            boolean start = "start".equalsIgnoreCase(live.path("event").asText());
            return start
                            && live.path("broadcast").asBoolean(false)
                            && live.path("channelId").isMissingNode()
                    ? n.path("appId").asText(null)
                    : null;
        } catch (IOException e) {
            throw new IllegalStateException("a record this class wrote is JSON", e);
        }
    }

    /** The same campaign, its Live Activity's broadcast channel {@code channelId}. */
    public CampaignFile withChannel(String channelId) {
        try {
            ObjectNode n = (ObjectNode) JSON.readTree(createRecord);
            ((ObjectNode) n.path("liveActivity")).put("channelId", channelId);
            return new CampaignFile(campaignId, JSON.writeValueAsBytes(n));
        } catch (IOException e) {
            throw new IllegalStateException("a record this class wrote is JSON", e);
        }
    }

    /** The {@code create} record to write to the {@code campaigns} topic. */
    public byte[] createRecord() {
        return createRecord.clone();
    }
}
