package io.herald.job.fanout;

import io.herald.job.functions.CampaignFanOut.CampaignEntry;
import io.herald.job.functions.Descriptors;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.OperatorStateStore;

/**
 * What is paused, the same on every instance and in every checkpoint: a campaign (a flag on its
 * entry in the {@link CampaignTable}) or a whole app (broadcast state of its own). A walk of a paused
 * campaign, or of any campaign of a paused app, waits where it is.
 */
final class Pauses {
    private final CampaignTable campaigns;
    private final BroadcastState<String, Long> apps;

    Pauses(OperatorStateStore store, CampaignTable campaigns) throws Exception {
        this.campaigns = campaigns;
        this.apps = store.getBroadcastState(Descriptors.PAUSED_APPS);
    }

    /** Whether campaign {@code campaignId} is held: paused itself, or its app is. */
    boolean holds(String campaignId) {
        try {
            CampaignEntry entry = campaigns.get(campaignId);
            return entry != null && (entry.paused || apps.contains(entry.campaign.appId));
        } catch (Exception e) {
            throw new IllegalStateException("the campaign table could not be read", e);
        }
    }

    boolean appPaused(String appId) throws Exception {
        return apps.contains(appId);
    }

    void pauseApp(String appId, long at) throws Exception {
        apps.put(appId, at);
    }

    void resumeApp(String appId) throws Exception {
        apps.remove(appId);
    }
}
