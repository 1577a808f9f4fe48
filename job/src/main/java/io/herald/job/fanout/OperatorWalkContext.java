package io.herald.job.fanout;

import io.herald.delivery.DeliveryRoom;
import io.herald.experiment.Attribution;
import io.herald.job.fanout.walk.RunawayAlerts;
import io.herald.job.fanout.walk.WalkContext;
import io.herald.job.fanout.walk.WalkMetrics;
import io.herald.job.functions.Descriptors;
import io.herald.job.state.StoredUsers;
import io.herald.model.Answer;
import io.herald.model.CampaignStatus;
import io.herald.model.SendRequest;
import io.herald.model.UserState;
import java.io.IOException;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

/** What walks reach of the fan-out: its users' state, clock, outputs, answers on record and the deliveries' room. */
final class OperatorWalkContext implements WalkContext {
    private final FanOutSettings settings;
    private final KeyedStateBackend<Object> backend;
    private final ValueState<UserState> users;
    private final ProcessingTimeService time;
    private final int instance;
    private final int instances;
    private final int maxParallelism;
    private final KeyGroupRange keyGroups;
    private final FanOutOutput out;
    private final AnswersOnRecord answers;
    private final WrittenDuringWalks written;
    private final WalkMetrics metrics;
    private final DeliveryRoom room;
    private final RunawayAlerts runawayAlerts;
    private final DataOutputSerializer keyBytes = new DataOutputSerializer(64);

    OperatorWalkContext(
            FanOutSettings settings,
            KeyedStateBackend<Object> backend,
            ValueState<UserState> users,
            ProcessingTimeService time,
            int instance,
            int instances,
            int maxParallelism,
            KeyGroupRange keyGroups,
            FanOutOutput out,
            AnswersOnRecord answers,
            WrittenDuringWalks written,
            WalkMetrics metrics,
            DeliveryRoom room,
            RunawayAlerts runawayAlerts) {
        this.settings = settings;
        this.backend = backend;
        this.users = users;
        this.time = time;
        this.instance = instance;
        this.instances = instances;
        this.maxParallelism = maxParallelism;
        this.keyGroups = keyGroups;
        this.out = out;
        this.answers = answers;
        this.written = written;
        this.metrics = metrics;
        this.room = room;
        this.runawayAlerts = runawayAlerts;
    }

    @Override
    public int usersPerChunk() {
        return settings.usersPerChunk();
    }

    @Override
    public long progressEveryMillis() {
        return settings.progressEveryMillis();
    }

    @Override
    public long deviceTtlMillis() {
        return settings.deviceTtl().toMillis();
    }

    @Override
    public long now() {
        return time.getCurrentProcessingTime();
    }

    @Override
    public int instance() {
        return instance;
    }

    @Override
    public int instances() {
        return instances;
    }

    @Override
    public int maxParallelism() {
        return maxParallelism;
    }

    @Override
    public KeyGroupRange keyGroups() {
        return keyGroups;
    }

    @Override
    public StoredUsers openUsers() throws Exception {
        return StoredUsers.open(
                backend,
                Descriptors.USERS_STATE_NAME,
                maxParallelism,
                settings.deviceTtl().toMillis());
    }

    @Override
    public UserState readUser(String userId) throws Exception {
        backend.setCurrentKey(userId);
        return users.value();
    }

    @Override
    public void writeUser(String userId, UserState state) throws Exception {
        backend.setCurrentKey(userId);
        users.update(state);
        written.note(userId, true);
    }

    @Override
    public boolean writtenDuringWalks(String userId) {
        return written.contains(userId);
    }

    @Override
    public byte[] serializedKey(String userId) throws IOException {
        keyBytes.clear();
        TypeSerializer<Object> serializer = backend.getKeySerializer();
        serializer.serialize(userId, keyBytes);
        return keyBytes.getCopyOfBuffer();
    }

    @Override
    public void emit(SendRequest request) {
        out.request(request);
    }

    @Override
    public void counted(Attribution.Counted counted) {
        out.counted(counted);
    }

    @Override
    public void status(CampaignStatus status) {
        out.status(status);
    }

    @Override
    public RunawayAlerts runawayAlerts() {
        return runawayAlerts;
    }

    @Override
    public Answer answerOnRecord(String notificationId) {
        return answers.take(notificationId);
    }

    @Override
    public WalkMetrics metrics() {
        return metrics;
    }

    @Override
    public DeliveryRoom room() {
        return room;
    }
}
