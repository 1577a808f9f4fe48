package io.herald.job.functions;

import io.herald.campaign.PreparedCampaign;
import io.herald.model.Campaign;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.SendRequest;
import io.herald.model.UserState;
import io.herald.model.UserUpdate;
import io.herald.state.DeviceStateMerge;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The heart of Herald: keeps every user's state (keyed by user id, in RocksDB) and fans each fired
 * campaign out over it.
 *
 * <p>Device events and audience rows update the state of their user. Campaign events arrive on a
 * broadcast stream, so every parallel instance keeps the same table of campaigns; when a campaign is
 * fired, each instance walks the users it holds and emits a send request per targeted device. A
 * campaign fires once: a second fire, however many people press the button, is acknowledged and
 * ignored.
 */
public final class CampaignFanOut extends KeyedBroadcastProcessFunction<String, UserUpdate, CampaignEvent, SendRequest> {
    private static final long serialVersionUID = 1L;

    public static final MapStateDescriptor<String, CampaignEntry> CAMPAIGNS =
            new MapStateDescriptor<>("campaigns", Types.STRING, TypeInformation.of(CampaignEntry.class));
    public static final ValueStateDescriptor<UserState> USER =
            new ValueStateDescriptor<>("user", TypeInformation.of(UserState.class));

    private transient ValueState<UserState> user;

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
        user = getRuntimeContext().getState(USER);
    }

    @Override
    public void processElement(UserUpdate update, ReadOnlyContext ctx, Collector<SendRequest> out) throws Exception {
        UserState state = user.value();
        if (state == null) {
            state = new UserState();
        }
        if (update.device != null) {
            DeviceStateMerge.apply(state, update.device);
        } else {
            DeviceStateMerge.apply(state, update.audience);
        }
        user.update(state);
    }

    @Override
    public void processBroadcastElement(CampaignEvent event, Context ctx, Collector<SendRequest> out) throws Exception {
        BroadcastState<String, CampaignEntry> campaigns = ctx.getBroadcastState(CAMPAIGNS);
        CampaignEntry entry = campaigns.get(event.campaignId);
        switch (event.type) {
            case CREATE:
                if (entry != null && !CampaignEntry.CREATED.equals(entry.state)) {
                    report(ctx, event.campaignId, "rejected", "campaign was already " + entry.state);
                } else {
                    campaigns.put(event.campaignId, CampaignEntry.created(event.campaign));
                }
                break;
            case CANCEL:
                if (entry == null) {
                    report(ctx, event.campaignId, "rejected", "cancel of an unknown campaign");
                } else {
                    entry.state = CampaignEntry.CANCELLED;
                    campaigns.put(event.campaignId, entry);
                    report(ctx, event.campaignId, "cancelled", null);
                }
                break;
            case FIRE:
                fire(event, entry, ctx, out);
                break;
            default:
                throw new IllegalStateException("unknown campaign event " + event.type);
        }
    }

    private void fire(CampaignEvent event, CampaignEntry entry, Context ctx, Collector<SendRequest> out)
            throws Exception {
        if (entry == null) {
            report(ctx, event.campaignId, "rejected", "fire of an unknown campaign");
            return;
        }
        if (!CampaignEntry.CREATED.equals(entry.state)) {
            report(ctx, event.campaignId, "ignored", "fire of a campaign that is already " + entry.state);
            return;
        }
        entry.state = CampaignEntry.FIRED;
        entry.firedAt = event.timestamp;
        ctx.getBroadcastState(CAMPAIGNS).put(event.campaignId, entry);
        report(ctx, event.campaignId, "fired", null);

        PreparedCampaign prepared = new PreparedCampaign(entry.campaign, entry.firedAt);
        PreparedCampaign.FanOutCount total = new PreparedCampaign.FanOutCount();
        ctx.applyToKeyedState(USER, (userId, state) -> {
            UserState u = state.value();
            if (u != null) {
                PreparedCampaign.FanOutCount c = prepared.fanOut(userId, u, out::collect);
                total.targeted += c.targeted;
                total.suppressed += c.suppressed;
            }
        });
        CampaignStatus s = CampaignStatus.of(event.campaignId, "fanned_out", null, System.currentTimeMillis());
        s.subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        s.subtasks = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        s.targeted = total.targeted;
        s.suppressed = total.suppressed;
        ctx.output(ValidateCampaigns.STATUS, s);
    }

    /** Campaign-wide news is told by the first instance only, so it is told once. */
    private void report(Context ctx, String campaignId, String status, String error) {
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            ctx.output(ValidateCampaigns.STATUS, CampaignStatus.of(campaignId, status, error, System.currentTimeMillis()));
        }
    }

    /** A campaign as the fan-out remembers it: its definition and where it is in its life. */
    public static class CampaignEntry {
        public static final String CREATED = "created";
        public static final String FIRED = "fired";
        public static final String CANCELLED = "cancelled";

        public Campaign campaign;
        public String state;
        public long firedAt;

        public CampaignEntry() {}

        static CampaignEntry created(Campaign campaign) {
            CampaignEntry e = new CampaignEntry();
            e.campaign = campaign;
            e.state = CREATED;
            return e;
        }
    }
}
