package io.herald.job;

import io.herald.apns.ApnsProvider;
import io.herald.delivery.DeliveryOperator;
import io.herald.delivery.DeliveryOperatorFactory;
import io.herald.delivery.Provider;
import io.herald.fcm.FcmProvider;
import io.herald.job.config.HeraldConfig;
import io.herald.job.fanout.FanOutOperator;
import io.herald.job.fanout.FanOutOperatorFactory;
import io.herald.job.fanout.FanOutSettings;
import io.herald.job.functions.ClaimOwnership;
import io.herald.job.functions.ControlGate;
import io.herald.job.functions.Descriptors;
import io.herald.job.functions.OutputRecords;
import io.herald.job.functions.ParseRecords;
import io.herald.job.functions.ReceiptRecords;
import io.herald.job.functions.SplitByPlatform;
import io.herald.job.functions.ValidateCampaigns;
import io.herald.job.functions.VerifySignatures;
import io.herald.job.results.ArmCountsSum;
import io.herald.job.results.CampaignResults;
import io.herald.job.results.DeliveryTotals;
import io.herald.job.results.LocalSums;
import io.herald.job.results.ReceiptArmCounts;
import io.herald.job.results.ReceiptTally;
import io.herald.job.state.DeviceEventSerializer;
import io.herald.job.state.UserUpdateSerializer;
import io.herald.json.AudienceRowCodec;
import io.herald.json.CampaignEventCodec;
import io.herald.json.DeviceEventCodec;
import io.herald.json.InteractionCodec;
import io.herald.kafka.EarlierRuns;
import io.herald.kafka.OutboundRecord;
import io.herald.model.ArmCounts;
import io.herald.model.AudienceRow;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.DeadLetter;
import io.herald.model.DeliveryTally;
import io.herald.model.DeviceEvent;
import io.herald.model.Interaction;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.herald.model.UserUpdate;
import io.herald.webpush.WebPushProvider;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.state.rocksdb.RocksDBConfigurableOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.rocksdb.CompressionType;

/**
 * The Herald dataflow, all of it, in one place:
 *
 * <pre>
 * devices ─parse─┬─ claims only ─ keyBy(device id): claim ─ keyBy(token): claim ─┐
 *                └─ the rest ─────────────────────────────────────────────────────┤
 * audiences ─parse────────────────────────────────────────────────────────────────┤
 * interactions ─parse (if configured) ────────────────────────────────────────────┤
 * campaigns ─check signatures─parse─ keyBy(campaign or app): gate (signed where required, none replayed)
 *   └─ validate ─┬─ sends ────────────────────────────────────────────────────────┴ keyBy(user) ───┐
 *                └─ broadcast ─────────────────────────────────────────────────────────────────────┤
 *   ┌─────────────────────────────────────────────────────────────────────────────────────────────┘
 *   └─ fan-out ─ split ─┬─ APNs delivery ─ receipts ─┐   one chain: the walks hand out only while
 *      (walks)          └─ FCM delivery ── receipts ─┤   a delivery has room (DeliveryRoom); each
 *                                                    │   delivery's coordinator lends send budgets
 *                                                    │   between its instances (BudgetCoordinator)
 *   arm counts (fan-out: users; deliveries: delivered), summed where they arise,
 *     ─ keyBy(campaign): results ────────────────────┤
 *   receipts tallied where they arise (deliveries),
 *     ─ keyBy(campaign): receipt totals ─────────────┤
 *   dead letters (from each parse) ──────────────────┤
 *   released claims (from the fan-out) ──────────────┤
 *   audit trail (from the gate, keyed by app) ───────┼─ Kafka (exactly once)
 *   campaign status (validate, fan-out) ─────────────┘
 *   (each delivery also records every provider answer in the answers topic, as it comes)
 * </pre>
 *
 * <p>Every operator has a stable uid, so savepoints survive changes to the code around it.
 */
public final class HeraldJob {
    /** Fixed, so that savepoints (the device bootstrap's too) always fit the job's key groups. */
    public static final int MAX_PARALLELISM = 128;
    /** Uids of the stateful operators, shared with the device bootstrap. */
    public static final String UID_FAN_OUT = "campaign-fan-out";

    public static final String UID_CLAIM_DEVICE_IDS = "claim-device-ids";
    public static final String UID_CLAIM_TOKENS = "claim-tokens";

    private final HeraldConfig config;

    public HeraldJob(HeraldConfig config) {
        this.config = config;
    }

    /**
     * The Flink settings Herald needs whatever the cluster's defaults: RocksDB state with
     * incremental checkpoints, exactly-once checkpoints at the configured interval and directory.
     */
    public Configuration flinkConfiguration() {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.addAll(rocksDbStorage());
        if (config.checkpointing.directory != null) {
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.checkpointing.directory);
        }
        return conf;
    }

    /**
     * How RocksDB stores Herald's state, for the job and the bootstrap alike: ZSTD instead of
     * RocksDB's Snappy. Ids, tokens and locales are text over small alphabets, which Snappy's
     * matching alone cannot shrink and ZSTD's entropy coding can: 30% fewer bytes per device in a
     * native savepoint (BENCHMARKS.md). Blocks are kept uncompressed in the block cache, so
     * a read pays for it only when a block is loaded.
     *
     * <p>Blocks of 32 KiB instead of RocksDB's 4 KiB: each block is compressed alone, and a device
     * is about a hundred bytes, so a bigger block finds more of what repeats (app ids, locales, time
     * zones, token prefixes): 112 to 96 bytes per device, with no change measured in the rate of
     * device events or estimates (BENCHMARKS.md). What it costs is a point read that misses the
     * block cache, which loads and decompresses the whole block; walks read blocks in order. A
     * higher ZSTD level (6) took the size to 94 but cost a third of the rate of device events, and a
     * ZSTD dictionary slowed writes as much for less.
     */
    public static Configuration rocksDbStorage() {
        Configuration conf = new Configuration();
        conf.set(RocksDBConfigurableOptions.COMPRESSION_PER_LEVEL, List.of(CompressionType.ZSTD_COMPRESSION));
        conf.set(RocksDBConfigurableOptions.BLOCK_SIZE, MemorySize.parse("32kb"));
        return conf;
    }

    /** Adds the dataflow to {@code env}, reading from and writing to {@code io}. */
    public void build(StreamExecutionEnvironment env, HeraldSources io) {
        env.enableCheckpointing(config.checkpointing.intervalMs, CheckpointingMode.EXACTLY_ONCE);
        env.setParallelism(config.parallelism);
        env.setMaxParallelism(MAX_PARALLELISM);
        // Chained operators hand records on without copying them: every function here builds new
        // output objects and none keeps or changes its input after emitting it. (The copies cost the
        // fan-out thread about 6% in a profile.)
        env.getConfig().enableObjectReuse();

        SingleOutputStreamOperator<DeviceEvent> devices = env.fromSource(
                        io.devices, WatermarkStrategy.noWatermarks(), "Devices topic")
                .uid("source-devices")
                .process(new ParseRecords<>(new DeviceEventCodec(), DeviceEventSerializer.TYPE))
                .uid("parse-devices")
                .name("Parse device events");
        SingleOutputStreamOperator<AudienceRow> audiences = env.fromSource(
                        io.audiences, WatermarkStrategy.noWatermarks(), "Audiences topic")
                .uid("source-audiences")
                .process(new ParseRecords<>(new AudienceRowCodec(), TypeInformation.of(AudienceRow.class)))
                .uid("parse-audiences")
                .name("Parse audience rows");
        SingleOutputStreamOperator<CampaignEvent> campaignEvents = env.fromSource(
                        io.campaigns, WatermarkStrategy.noWatermarks(), "Campaigns topic")
                .uid("source-campaigns")
                .process(new VerifySignatures(config.signing))
                .uid("verify-signatures")
                .name("Check control records' signatures")
                .process(new ParseRecords<>(new CampaignEventCodec(), TypeInformation.of(CampaignEvent.class)))
                .uid("parse-campaigns")
                .name("Parse campaign events");
        SingleOutputStreamOperator<CampaignEvent> gated = campaignEvents
                .keyBy(ControlGate.key())
                .process(new ControlGate(
                                config.appIds(),
                                config.requireSignedApps(),
                                config.requireApprovalApps(),
                                config.signing.jobKeyId,
                                config.signing.windowMs)
                        .testSends(config.seeds().keySet(), config.requireTestSendApps()))
                .uid("control-gate")
                .name("Control records: signed where required, none replayed")
                .setBufferTimeout(0);
        SingleOutputStreamOperator<CampaignEvent> campaigns = gated.process(
                        new ValidateCampaigns(new HashSet<>(config.appIds())))
                .uid("validate-campaigns")
                .name("Validate campaigns")
                // Campaign events are few and each one counts: they leave at once, not when a
                // network buffer fills or the 100 ms flush comes (a fire is timed from its record).
                .setBufferTimeout(0);

        SingleOutputStreamOperator<Interaction> interactions = io.interactions == null
                ? null
                : env.fromSource(io.interactions, WatermarkStrategy.noWatermarks(), "Interactions topic")
                        .uid("source-interactions")
                        .process(new ParseRecords<>(new InteractionCodec(), TypeInformation.of(Interaction.class)))
                        .uid("parse-interactions")
                        .name("Parse interactions");

        Duration deviceTtl = Duration.ofDays(config.state.deviceTtlDays);
        // Only claims and releases go through the two ownership stages (two shuffles and a state read
        // each); the merge takes events in any order, so the rest go straight to their user.
        DataStream<UserUpdate> userUpdates = devices.filter(ClaimOwnership::concernsClaims)
                .uid("filter-claims")
                .name("Claims and releases")
                .keyBy(ClaimOwnership.keyFor(ClaimOwnership.Claimed.DEVICE_ID))
                .process(new ClaimOwnership(ClaimOwnership.Claimed.DEVICE_ID, deviceTtl))
                .uid(UID_CLAIM_DEVICE_IDS)
                .name("One user per device id")
                .keyBy(ClaimOwnership.keyFor(ClaimOwnership.Claimed.TOKEN))
                .process(new ClaimOwnership(ClaimOwnership.Claimed.TOKEN, deviceTtl))
                .uid(UID_CLAIM_TOKENS)
                .name("One device per token")
                .map(UserUpdate::of)
                .returns(UserUpdateSerializer.TYPE)
                .uid("wrap-devices")
                .name("Device event as user update")
                .union(
                        devices.filter(e -> !ClaimOwnership.concernsClaims(e))
                                .uid("filter-no-claims")
                                .name("Device events that claim nothing")
                                .map(UserUpdate::of)
                                .returns(UserUpdateSerializer.TYPE)
                                .uid("wrap-unclaimed-devices")
                                .name("Unclaimed device event as user update"),
                        audiences
                                .map(UserUpdate::of)
                                .returns(UserUpdateSerializer.TYPE)
                                .uid("wrap-audiences")
                                .name("Audience row as user update"),
                        campaigns
                                .getSideOutput(Descriptors.SENDS)
                                .map(UserUpdate::of)
                                .returns(UserUpdateSerializer.TYPE)
                                .uid("wrap-sends")
                                .name("Transactional send as user update"));
        if (interactions != null) {
            userUpdates = userUpdates.union(interactions
                    .map(UserUpdate::of)
                    .returns(UserUpdateSerializer.TYPE)
                    .uid("wrap-interactions")
                    .name("Interaction as user update"));
        }
        // The fan-out keeps the campaign table itself (in broadcast state): a plain broadcast edge
        // lets it be an operator of its own, which walks users in chunks through the task's mailbox.
        SingleOutputStreamOperator<SendRequest> requests = userUpdates
                .keyBy(UserUpdate::userId)
                .connect(campaigns.broadcast())
                .transform(
                        "Keep user state, fan campaigns out",
                        TypeInformation.of(SendRequest.class),
                        new FanOutOperatorFactory(new FanOutOperator(FanOutSettings.builder()
                                .deviceTtl(deviceTtl)
                                .earlierRuns(
                                        io.answers == null
                                                ? null
                                                : new EarlierRuns(io.answers, config.topics.campaignStatus))
                                .replayWindowMillis(config.replay.resumeCampaignsFiredWithinMs)
                                .fireOnFreshStart(config.replay.fireOnFreshStart)
                                .clockSkewMillis(config.replay.clockSkewMs)
                                .frequencyCaps(config.frequencyCaps())
                                .runawayGuards(config.runawayGuards())
                                .fireGuards(config.fireGuards())
                                .urgentUpdateBudgets(config.urgentUpdateBudgets())
                                .requireSigned(config.requireSignedApps())
                                .seeds(config.seeds())
                                .quietHours(config.quietHours())
                                .build())))
                .uid(UID_FAN_OUT);

        SingleOutputStreamOperator<SendRequest> split =
                requests.process(new SplitByPlatform()).uid("split-by-platform").name("Split by platform");

        HeraldConfig.Delivery d = config.delivery;
        HeraldConfig.Topics t = config.topics;
        TypeInformation<Receipt> receiptType = TypeInformation.of(Receipt.class);
        // One delivery per provider, each fed its platform's requests; a new provider is one more
        // entry here. Each receipt is encoded for Kafka in its delivery's own chain: what crosses the
        // network to the sink is bytes (a receipt object's reflective serialization cost the fan-out
        // thread 17%).
        List<Provider> providers = List.of(
                new ApnsProvider(config.apnsApps(), d.apnsConnections),
                new FcmProvider(config.fcmApps(), d.fcmConnections),
                new WebPushProvider(config.webPushApps(), d.webPushConnections));
        DataStream<OutboundRecord> receipts = null;
        // Measured campaigns' results: users counted by the fan-out, deliveries by each delivery,
        // summed where they arise, then per campaign.
        DataStream<ArmCounts> armCounts = sumArmCounts(requests.getSideOutput(Descriptors.ARM_COUNTS), "fan-out");
        DataStream<DeliveryTally> tallies = null;
        for (Provider provider : providers) {
            String id = provider.id();
            SingleOutputStreamOperator<Receipt> delivered = split.getSideOutput(
                            Descriptors.toPlatform(provider.platform()))
                    .transform(
                            "Deliver to " + provider.displayName(),
                            receiptType,
                            new DeliveryOperatorFactory(new DeliveryOperator(provider, d.settings(), io.answers)))
                    .uid("deliver-" + id);
            DataStream<OutboundRecord> records = delivered
                    .flatMap(new ReceiptRecords(t.receipts, t.devices))
                    .uid("receipt-records-" + id)
                    .name(provider.displayName() + " receipts and dead-token feedback");
            receipts = receipts == null ? records : receipts.union(records);
            armCounts = armCounts.union(sumArmCounts(
                    delivered
                            .flatMap(new ReceiptArmCounts())
                            .uid("arm-counts-" + id)
                            .name(provider.displayName() + " deliveries per arm"),
                    id));
            DataStream<DeliveryTally> tally = tallyReceipts(delivered, id);
            tallies = tallies == null ? tally : tallies.union(tally);
        }

        SingleOutputStreamOperator<CampaignStatus> results = armCounts
                .keyBy(c -> c.campaignId)
                .connect(campaigns
                        .filter(e -> e.campaignId != null)
                        .uid("campaign-records-for-results")
                        .name("A campaign's own records")
                        .keyBy(e -> e.campaignId))
                .process(new CampaignResults())
                .uid("campaign-results")
                .name("Campaign results and tests' decisions");

        // Every campaign's receipts, summed per delivery, then per campaign: what `campaign status`
        // and `watch` read instead of the receipts.
        SingleOutputStreamOperator<CampaignStatus> receiptTotals = tallies.keyBy(tally -> tally.campaignId)
                .process(new DeliveryTotals())
                .uid("receipt-totals")
                .name("Campaign receipt totals");

        DataStream<DeadLetter> deadLetters = devices.getSideOutput(Descriptors.DEAD_LETTERS)
                .union(
                        audiences.getSideOutput(Descriptors.DEAD_LETTERS),
                        campaignEvents.getSideOutput(Descriptors.DEAD_LETTERS));
        if (interactions != null) {
            deadLetters = deadLetters.union(interactions.getSideOutput(Descriptors.DEAD_LETTERS));
        }
        DataStream<OutboundRecord> out = receipts.union(deadLetters
                        .map(new OutputRecords.DeadLetters(t.deadLetters))
                        .uid("dead-letter-records")
                        .name("Dead letters"))
                .union(gated.getSideOutput(Descriptors.AUDIT)
                        .map(new OutputRecords.Audit(t.campaignStatus))
                        .uid("audit-records")
                        .name("Audit trail of control records"))
                .union(results.getSideOutput(CampaignResults.WINNERS)
                        .map(new OutputRecords.Winners(t.campaigns, config.signing))
                        .uid("winner-records")
                        .name("Tests' winners"))
                .union(requests.getSideOutput(Descriptors.RELEASED_CLAIMS)
                        .map(new OutputRecords.DeviceEvents(t.devices))
                        .uid("released-claims-records")
                        .name("Released claims"))
                .union(campaigns
                        .getSideOutput(Descriptors.STATUS)
                        .union(
                                gated.getSideOutput(Descriptors.STATUS),
                                requests.getSideOutput(Descriptors.STATUS),
                                results,
                                receiptTotals)
                        .map(new OutputRecords.Statuses(t.campaignStatus))
                        .uid("campaign-status-records")
                        .name("Campaign status"));
        out.sinkTo(io.sink).uid("sink-kafka").name("Write to Kafka");
    }

    /** {@code counts} summed per arm where they arise, a second at a time ({@link LocalSums}). */
    private static DataStream<ArmCounts> sumArmCounts(DataStream<ArmCounts> counts, String where) {
        return counts.transform(
                        "Sum " + where + " counts per arm",
                        TypeInformation.of(ArmCounts.class),
                        new LocalSums<>(ArmCountsSum.arm(), new ArmCountsSum()))
                .uid("sum-arm-counts-" + where);
    }

    /** A delivery's receipts summed per campaign where they arise, a second at a time ({@link LocalSums}). */
    private static DataStream<DeliveryTally> tallyReceipts(DataStream<Receipt> receipts, String where) {
        return receipts.transform(
                        "Tally " + where + " receipts per campaign",
                        TypeInformation.of(DeliveryTally.class),
                        new LocalSums<>(ReceiptTally.campaign(), new ReceiptTally()))
                .uid("tally-receipts-" + where);
    }
}
