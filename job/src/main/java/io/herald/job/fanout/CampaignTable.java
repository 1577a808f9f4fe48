package io.herald.job.fanout;

import io.herald.campaign.CampaignLife;
import io.herald.campaign.PreparedCampaign;
import io.herald.job.functions.CampaignFanOut.CampaignEntry;
import io.herald.job.functions.Descriptors;
import io.herald.model.Campaign;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.OperatorStateStore;

/**
 * The campaigns, the same on every instance (in broadcast state), and each one prepared for sending
 * (segment, templates, payload skeletons compiled), kept for a bounded number of campaigns.
 */
public final class CampaignTable {
    /** Prepared campaigns kept per instance; dropped whole when full (they are made again on demand). */
    private static final int MAX_PREPARED = 256;

    private final BroadcastState<String, CampaignEntry> campaigns;
    private final Map<String, PreparedCampaign> prepared = new HashMap<>();

    CampaignTable(OperatorStateStore store) throws Exception {
        this.campaigns = store.getBroadcastState(Descriptors.CAMPAIGNS);
    }

    CampaignEntry get(String campaignId) throws Exception {
        return campaigns.get(campaignId);
    }

    /** The campaign's definition, or null if there is none by that id. */
    Campaign campaign(String campaignId) {
        try {
            CampaignEntry entry = campaigns.get(campaignId);
            return entry == null ? null : entry.campaign;
        } catch (Exception e) {
            throw new IllegalStateException("broadcast state of campaigns unreadable", e);
        }
    }

    void put(String campaignId, CampaignEntry entry) throws Exception {
        campaigns.put(campaignId, entry);
    }

    Iterable<Map.Entry<String, CampaignEntry>> entries() {
        try {
            return campaigns.entries();
        } catch (Exception e) {
            throw new IllegalStateException("broadcast state of campaigns unreadable", e);
        }
    }

    /** A (new) definition: anything prepared from an older one is forgotten, and this one prepared now. */
    void remember(String campaignId, CampaignEntry entry, long now) throws Exception {
        campaigns.put(campaignId, entry);
        prepared.remove(campaignId);
        prepared(campaignId, entry.campaign, now);
    }

    /** A fire taken (acted on or, by a replay, skipped as history): the campaign counts as fired. */
    void markFired(String campaignId, CampaignEntry entry, long firedAt) throws Exception {
        entry.state = CampaignLife.State.FIRED;
        entry.firedAt = firedAt;
        campaigns.put(campaignId, entry);
    }

    /** Fired by hand (a fire record): every zone of a local-time schedule now, so its moments do nothing more. */
    void markFiredByHand(String campaignId, CampaignEntry entry, long firedAt) throws Exception {
        if (entry.local() != null) {
            entry.slotsStarted = new ArrayList<>(entry.local().slots());
        }
        markFired(campaignId, entry, firedAt);
    }

    /** The campaign prepared for sending. */
    PreparedCampaign prepared(String campaignId, Campaign campaign, long now) {
        PreparedCampaign p = prepared.get(campaignId);
        if (p == null) {
            if (prepared.size() >= MAX_PREPARED) {
                prepared.clear();
            }
            p = new PreparedCampaign(campaign, now);
            prepared.put(campaignId, p);
        }
        return p;
    }

    void forgetPrepared(String campaignId) {
        prepared.remove(campaignId);
    }
}
