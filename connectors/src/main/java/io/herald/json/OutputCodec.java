package io.herald.json;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.model.CampaignStatus;
import io.herald.model.DeadLetter;
import io.herald.model.Receipt;

/** Writes Herald's outputs as the JSON the README documents for each topic. */
public final class OutputCodec {
    private OutputCodec() {}

    /** A receipt; {@code latencyMs} is fire-to-ack. */
    public static byte[] receipt(Receipt r) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("notificationId", r.notificationId);
        n.put("campaignId", r.campaignId);
        n.put("userId", r.userId);
        n.put("deviceId", r.deviceId);
        n.put("appId", r.appId);
        n.put("platform", r.platform.wire());
        n.put("outcome", r.outcome.wire());
        n.put("providerStatus", r.providerStatus);
        if (r.reason != null) {
            n.put("reason", r.reason);
        }
        n.put("attempts", r.attempts);
        n.put("firedAt", r.firedAt);
        n.put("ackAt", r.ackAt);
        n.put("latencyMs", r.latencyMs());
        return Json.bytes(n);
    }

    public static byte[] deadLetter(DeadLetter d) {
        return Json.bytes(d);
    }

    /** A campaign status; fields that do not apply to its kind are left out. */
    public static byte[] campaignStatus(CampaignStatus s) {
        return Json.bytes(s);
    }
}
