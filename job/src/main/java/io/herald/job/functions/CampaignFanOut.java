package io.herald.job.functions;

import io.herald.campaign.PreparedCampaign;
import io.herald.model.Campaign;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.SendRequest;
import io.herald.model.DeviceRecord;
import io.herald.model.UserProfile;
import io.herald.model.UserUpdate;
import io.herald.state.DeviceStateMerge;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
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
    /** Default idle lifetime of a device: FCM's own token lifetime. */
    public static final Duration DEFAULT_DEVICE_TTL = Duration.ofDays(270);

    /** Transactional campaigns compiled once per instance; bounded, dropped whole when full. */
    private static final int MAX_PREPARED_FOR_SENDS = 256;

    private final Duration deviceTtl;
    private transient Map<String, PreparedCampaign> preparedForSends;

    private transient ValueStateDescriptor<UserProfile> profileDescriptor;
    private transient ValueState<UserProfile> profile;
    private transient MapState<String, DeviceRecord> devices;

    public CampaignFanOut() {
        this(DEFAULT_DEVICE_TTL);
    }

    /** @param deviceTtl how long a device (and a user's profile) lives without an event */
    public CampaignFanOut(Duration deviceTtl) {
        this.deviceTtl = deviceTtl;
    }

    /** The user profile's state: one value per user. */
    public static ValueStateDescriptor<UserProfile> profileDescriptor(Duration ttl) {
        ValueStateDescriptor<UserProfile> d = new ValueStateDescriptor<>("profile", TypeInformation.of(UserProfile.class));
        d.enableTimeToLive(ttl(ttl));
        return d;
    }

    /** The devices' state: a map per user, so that every device expires on its own. */
    public static MapStateDescriptor<String, DeviceRecord> devicesDescriptor(Duration ttl) {
        MapStateDescriptor<String, DeviceRecord> d =
                new MapStateDescriptor<>("devices", Types.STRING, TypeInformation.of(DeviceRecord.class));
        d.enableTimeToLive(ttl(ttl));
        return d;
    }

    /** Expiry counts from the last write; RocksDB drops expired entries as it compacts. */
    private static StateTtlConfig ttl(Duration ttl) {
        return StateTtlConfig.newBuilder(ttl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .cleanupInRocksdbCompactFilter(1000)
                .build();
    }

    @Override
    public void open(org.apache.flink.api.common.functions.OpenContext openContext) {
        profileDescriptor = profileDescriptor(deviceTtl);
        profile = getRuntimeContext().getState(profileDescriptor);
        devices = getRuntimeContext().getMapState(devicesDescriptor(deviceTtl));
        preparedForSends = new java.util.HashMap<>();
    }

    @Override
    public void processElement(UserUpdate update, ReadOnlyContext ctx, Collector<SendRequest> out) throws Exception {
        UserProfile p = profile.value();
        if (p == null) {
            p = new UserProfile();
        }
        if (update.send != null) {
            send(update.send, p, ctx, out);
            return;
        }
        if (update.device != null) {
            DeviceStateMerge.apply(p, new MapStateDevices(devices), update.device);
        } else {
            DeviceStateMerge.apply(p, update.audience);
        }
        profile.update(p);
    }

    /** A transactional send: this user's devices only, at once, however many users there are. */
    private void send(CampaignEvent event, UserProfile user, ReadOnlyContext ctx, Collector<SendRequest> out)
            throws Exception {
        CampaignEntry entry = ctx.getBroadcastState(CAMPAIGNS).get(event.campaignId);
        if (entry == null || CampaignEntry.CANCELLED.equals(entry.state)) {
            ctx.output(ValidateCampaigns.STATUS, CampaignStatus.of(event.campaignId, "rejected",
                    "send to " + event.userId + " of " + (entry == null ? "an unknown" : "a cancelled") + " campaign",
                    System.currentTimeMillis()));
            return;
        }
        PreparedCampaign prepared = preparedForSends.computeIfAbsent(event.campaignId,
                id -> new PreparedCampaign(entry.campaign, event.timestamp));
        if (preparedForSends.size() > MAX_PREPARED_FOR_SENDS) {
            preparedForSends.clear();
        }
        PreparedCampaign.FanOutCount c = prepared.forSend(event.timestamp, event.sendId)
                .fanOut(event.userId, user, devices.values(), out::collect);
        CampaignStatus s = CampaignStatus.of(event.campaignId, "sent", null, System.currentTimeMillis());
        s.targeted = c.targeted;
        s.suppressed = c.suppressed;
        ctx.output(ValidateCampaigns.STATUS, s);
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
            case ESTIMATE:
                estimate(event, entry, ctx);
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

        long started = System.nanoTime();
        PreparedCampaign prepared = new PreparedCampaign(entry.campaign, entry.firedAt);
        PreparedCampaign.FanOutCount total = new PreparedCampaign.FanOutCount();
        long[] users = {0};
        // Flink sets each user as the current key while it walks them, so the devices map follows along.
        ctx.applyToKeyedState(profileDescriptor, (userId, state) -> {
            UserProfile u = state.value();
            if (u != null) {
                users[0]++;
                PreparedCampaign.FanOutCount c = prepared.fanOut(userId, u, devices.values(), out::collect);
                total.targeted += c.targeted;
                total.suppressed += c.suppressed;
            }
        });
        CampaignStatus s = countStatus(event.campaignId, "fanned_out", total);
        s.users = users[0];
        s.elapsedMs = (System.nanoTime() - started) / 1_000_000;
        ctx.output(ValidateCampaigns.STATUS, s);
    }

    /**
     * Counts what a fire would target, per platform and locale, on this instance's users, and renders
     * each notification to count those that would be refused; sends nothing.
     */
    private void estimate(CampaignEvent event, CampaignEntry entry, Context ctx) throws Exception {
        if (entry == null) {
            report(ctx, event.campaignId, "rejected", "estimate of an unknown campaign");
            return;
        }
        long started = System.nanoTime();
        PreparedCampaign prepared = new PreparedCampaign(entry.campaign, event.timestamp);
        PreparedCampaign.FanOutCount total = new PreparedCampaign.FanOutCount();
        Map<String, Long> byPlatform = new TreeMap<>();
        Map<String, Long> byLocale = new TreeMap<>();
        long[] usersAndRefused = {0, 0};
        ctx.applyToKeyedState(profileDescriptor, (userId, state) -> {
            UserProfile u = state.value();
            if (u != null) {
                usersAndRefused[0]++;
                PreparedCampaign.FanOutCount c = prepared.select(u, devices.values(), d -> {
                    byPlatform.merge(d.platform.wire(), 1L, Long::sum);
                    byLocale.merge(d.locale == null ? "und" : d.locale, 1L, Long::sum);
                    if (prepared.refusal(u, d) != null) {
                        usersAndRefused[1]++;
                    }
                });
                total.targeted += c.targeted;
                total.suppressed += c.suppressed;
            }
        });
        CampaignStatus s = countStatus(event.campaignId, "estimated", total);
        s.byPlatform = byPlatform;
        s.byLocale = byLocale;
        s.users = usersAndRefused[0];
        s.refused = usersAndRefused[1];
        s.elapsedMs = (System.nanoTime() - started) / 1_000_000;
        ctx.output(ValidateCampaigns.STATUS, s);
    }

    private CampaignStatus countStatus(String campaignId, String status, PreparedCampaign.FanOutCount count) {
        CampaignStatus s = CampaignStatus.of(campaignId, status, null, System.currentTimeMillis());
        s.subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        s.subtasks = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        s.targeted = count.targeted;
        s.suppressed = count.suppressed;
        return s;
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
