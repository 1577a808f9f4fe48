package io.herald.job.functions;

import io.herald.job.functions.CampaignFanOut.CampaignEntry;
import io.herald.job.state.DeviceEventSerializer;
import io.herald.job.state.UserStateSerializer;
import io.herald.model.Answer;
import io.herald.model.ArmCounts;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.DeadLetter;
import io.herald.model.DeviceEvent;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import io.herald.model.UserState;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.util.OutputTag;

/**
 * Every side output and every state descriptor of the job's own operators, in one place. The state
 * names and value classes are in every savepoint: change them only with a migration.
 */
public final class Descriptors {
    private Descriptors() {}

    /** Campaign status records, from the validation and the fan-out. */
    public static final OutputTag<CampaignStatus> STATUS =
            new OutputTag<>("campaign-status", TypeInformation.of(CampaignStatus.class));
    /** Transactional sends, from the validation to the users they are for. */
    public static final OutputTag<CampaignEvent> SENDS =
            new OutputTag<>("sends", TypeInformation.of(CampaignEvent.class));
    /** Claims an erased user gave up, from the fan-out to the devices topic. */
    public static final OutputTag<DeviceEvent> RELEASED_CLAIMS =
            new OutputTag<>("released-claims", DeviceEventSerializer.TYPE);
    /** Each platform's send requests, split by {@link SplitByPlatform} for the platform's delivery. */
    private static final Map<Platform, OutputTag<SendRequest>> TO_PLATFORM = toPlatform();
    /** What the fan-out counts of measured campaigns (exposures, opens, conversions), a delta per user. */
    public static final OutputTag<ArmCounts> ARM_COUNTS =
            new OutputTag<>("arm-counts", TypeInformation.of(ArmCounts.class));
    /** The audit trail: every control record as the gate took it ({@code audit} status records). */
    public static final OutputTag<CampaignStatus> AUDIT =
            new OutputTag<>("audit", TypeInformation.of(CampaignStatus.class));

    /** Records that could not be read, with why. */
    public static final OutputTag<DeadLetter> DEAD_LETTERS =
            new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

    /** The campaign table, the same on every instance of the fan-out (broadcast state). */
    public static final MapStateDescriptor<String, CampaignEntry> CAMPAIGNS =
            new MapStateDescriptor<>("campaign-table", Types.STRING, TypeInformation.of(CampaignEntry.class));
    /** The apps paused as a whole, with when (broadcast state, beside the campaign table). */
    public static final MapStateDescriptor<String, Long> PAUSED_APPS =
            new MapStateDescriptor<>("paused-apps", Types.STRING, Types.LONG);
    /** Where each walk stands per key group (union list state: any instance may take any group). */
    public static final ListStateDescriptor<WalkPosition> WALKS =
            new ListStateDescriptor<>("walk-positions", TypeInformation.of(WalkPosition.class));

    /** The providers' answers an instance was restored with, for the walks it resumes (union list state). */
    public static final ListStateDescriptor<Answer> ANSWERED =
            new ListStateDescriptor<>("answered-since-restore", TypeInformation.of(Answer.class));

    /** The name of {@link #users}' state, for reading it in key order ({@code StoredUsers}). */
    public static final String USERS_STATE_NAME = "user";

    /**
     * Each user's state: the profile and the devices as one compact value ({@link UserStateSerializer}).
     * The value expires when the user is not written for {@code ttl}; each device inside it expires
     * on its own, {@code ttl} after its last write. Expiry counts from the last write; RocksDB drops
     * expired entries as it compacts.
     */
    public static ValueStateDescriptor<UserState> users(Duration ttl) {
        ValueStateDescriptor<UserState> d = new ValueStateDescriptor<>(USERS_STATE_NAME, UserStateSerializer.TYPE);
        d.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .cleanupInRocksdbCompactFilter(1000)
                .build());
        return d;
    }

    /** The send requests for {@code platform}'s delivery. */
    public static OutputTag<SendRequest> toPlatform(Platform platform) {
        return TO_PLATFORM.get(platform);
    }

    private static Map<Platform, OutputTag<SendRequest>> toPlatform() {
        Map<Platform, OutputTag<SendRequest>> tags = new EnumMap<>(Platform.class);
        for (Platform p : Platform.values()) {
            tags.put(p, new OutputTag<>("to-" + p.wire(), TypeInformation.of(SendRequest.class)));
        }
        return tags;
    }
}
