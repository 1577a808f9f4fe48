package io.herald.job.functions;

import io.herald.campaign.CampaignLife;
import io.herald.campaign.FrequencyCap;
import io.herald.campaign.LocalTimeSchedule;
import io.herald.campaign.PreparedCampaign;
import io.herald.campaign.QuietHours;
import io.herald.job.state.StoredUsers;
import io.herald.job.state.UserStateSerializer;
import io.herald.kafka.AnswerLog;
import io.herald.kafka.CheckpointTime;
import io.herald.kafka.EarlierRuns;
import io.herald.model.Answer;
import io.herald.model.Campaign;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.DeviceEvent;
import io.herald.model.DeviceRecord;
import io.herald.model.Outcome;
import io.herald.model.SendRequest;
import io.herald.model.StatusKind;
import io.herald.model.UserProfile;
import io.herald.model.UserState;
import io.herald.model.UserUpdate;
import io.herald.state.DeviceStateMerge;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.graph.StreamConfig;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.StreamTask;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heart of Herald: keeps every user's state (keyed by user id, in RocksDB) and fans each fired
 * campaign out over it.
 *
 * <p>Device events, audience rows and transactional sends come keyed by user on the first input.
 * Campaign events come broadcast on the second, so that every instance keeps the same table of
 * campaigns and plays each event through {@link CampaignLife}. A fire starts a <em>walk</em>: every
 * instance goes through the users it holds, in RocksDB's key order, and emits a send request per
 * targeted device. An estimate walks the same way and only counts.
 *
 * <p>A walk goes in bounded chunks (at most {@code usersPerChunk} users or {@code chunkMillis} per
 * walk), each a mail of the task's mailbox, so between two chunks the task takes in records,
 * checkpoint barriers and cancels: a cancel stops the walk at once, a transactional send goes out
 * without waiting for the campaign, and checkpoints complete while a campaign is handed out. Where
 * the walk stands is checkpointed per key group ({@link WalkPosition}); after a restore, at any
 * parallelism, the walk goes on from there. What it hands out again since the checkpoint and the
 * provider already answered (the {@link AnswerLog} says), from a walk or a transactional send read
 * again, carries the answer, and the delivery writes its receipt without sending it. A campaign's {@code maxPerSecond} paces the walk with processing-time
 * timers; nothing on the task thread sleeps.
 *
 * <p>While it walks, each instance writes a {@code progress} status about once a second, and a
 * {@code fanned_out} (or {@code estimated}) when it has walked all of its users.
 *
 * <p>The walk reads users in key order from an open RocksDB iterator, which sees the state as it
 * was when the walk started (users who arrive later are not in it); the job always runs RocksDB.
 */
public final class CampaignFanOut extends AbstractStreamOperator<SendRequest>
        implements TwoInputStreamOperator<UserUpdate, CampaignEvent, SendRequest> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CampaignFanOut.class);

    /** The campaign table, the same on every instance. */
    public static final MapStateDescriptor<String, CampaignEntry> CAMPAIGNS =
            new MapStateDescriptor<>("campaign-table", Types.STRING, TypeInformation.of(CampaignEntry.class));
    /** Claims an erased user gave up, for the devices topic. */
    public static final OutputTag<DeviceEvent> RELEASED_CLAIMS =
            new OutputTag<>("released-claims", TypeInformation.of(DeviceEvent.class));
    private static final ListStateDescriptor<WalkPosition> WALKS =
            new ListStateDescriptor<>("walk-positions", TypeInformation.of(WalkPosition.class));
    private static final ListStateDescriptor<Answer> ANSWERED =
            new ListStateDescriptor<>("answered-since-restore", TypeInformation.of(Answer.class));

    /** Default idle lifetime of a device: FCM's own token lifetime. */
    public static final Duration DEFAULT_DEVICE_TTL = Duration.ofDays(270);
    /** The most users written during walks that are remembered to be read again (about 10 MB of ids). */
    static final int MAX_WRITTEN_DURING_WALKS = 100_000;
    /** Checkpoints after a restore for which the answers of transactional sends are kept. */
    private static final int CHECKPOINTS_KEEPING_SEND_ANSWERS = 3;
    /** Prepared campaigns kept per instance; dropped whole when full (they are made again on demand). */
    private static final int MAX_PREPARED = 256;

    /** How the fan-out walks; immutable, checked when made. */
    public static final class Settings implements Serializable {
        private static final long serialVersionUID = 1L;

        final Duration deviceTtl;
        final int usersPerChunk;
        final long chunkMillis;
        final long progressEveryMillis;
        final EarlierRuns earlierRuns;
        final long replayWindowMillis;
        final boolean fireOnFreshStart;
        final long clockSkewMillis;
        /** Each app's frequency cap, by app id; apps without one are absent. */
        final Map<String, FrequencyCap> frequencyCaps;
        /** Each app's quiet hours, by app id; apps without them are absent. */
        final Map<String, QuietHours> quietHours;

        /**
         * @param usersPerChunk the most users one walk takes in one chunk
         * @param chunkMillis the most time one chunk takes (checked every few users)
         * @param progressEveryMillis how often a walking instance writes its progress
         * @param earlierRuns what earlier runs left in Kafka (statuses, answers), read after a restore and
         *     for retries; null for nothing
         */
        public Settings(Duration deviceTtl, int usersPerChunk, long chunkMillis, long progressEveryMillis,
                EarlierRuns earlierRuns) {
            this(deviceTtl, usersPerChunk, chunkMillis, progressEveryMillis, earlierRuns, 3_600_000, false, 30_000);
        }

        /**
         * @param replayWindowMillis a fire or send read again after a restore is acted on only if younger
         * @param fireOnFreshStart whether a job started without state acts on fires older than its start
         * @param clockSkewMillis records written this shortly before the start still count as new
         */
        public Settings(Duration deviceTtl, int usersPerChunk, long chunkMillis, long progressEveryMillis,
                EarlierRuns earlierRuns, long replayWindowMillis, boolean fireOnFreshStart, long clockSkewMillis) {
            this(deviceTtl, usersPerChunk, chunkMillis, progressEveryMillis, earlierRuns, replayWindowMillis,
                    fireOnFreshStart, clockSkewMillis, Map.of(), Map.of());
        }

        private Settings(Duration deviceTtl, int usersPerChunk, long chunkMillis, long progressEveryMillis,
                EarlierRuns earlierRuns, long replayWindowMillis, boolean fireOnFreshStart, long clockSkewMillis,
                Map<String, FrequencyCap> frequencyCaps, Map<String, QuietHours> quietHours) {
            if (deviceTtl == null || usersPerChunk < 1 || chunkMillis < 1 || progressEveryMillis < 1) {
                throw new IllegalArgumentException("fan-out settings need a device TTL, usersPerChunk >= 1, "
                        + "chunkMillis >= 1 and progressEveryMillis >= 1");
            }
            this.deviceTtl = deviceTtl;
            this.usersPerChunk = usersPerChunk;
            this.chunkMillis = chunkMillis;
            this.progressEveryMillis = progressEveryMillis;
            this.earlierRuns = earlierRuns;
            this.replayWindowMillis = replayWindowMillis;
            this.fireOnFreshStart = fireOnFreshStart;
            this.clockSkewMillis = clockSkewMillis;
            this.frequencyCaps = Map.copyOf(frequencyCaps);
            this.quietHours = Map.copyOf(quietHours);
        }

        /** These settings with each app's frequency cap (by app id). */
        public Settings withFrequencyCaps(Map<String, FrequencyCap> caps) {
            return new Settings(deviceTtl, usersPerChunk, chunkMillis, progressEveryMillis, earlierRuns,
                    replayWindowMillis, fireOnFreshStart, clockSkewMillis, caps, quietHours);
        }

        /** These settings with each app's quiet hours (by app id). */
        public Settings withQuietHours(Map<String, QuietHours> quiet) {
            return new Settings(deviceTtl, usersPerChunk, chunkMillis, progressEveryMillis, earlierRuns,
                    replayWindowMillis, fireOnFreshStart, clockSkewMillis, frequencyCaps, quiet);
        }

        /** The job's defaults: 1,000 users or 20 ms per chunk, progress every second. */
        public static Settings defaults(Duration deviceTtl, EarlierRuns earlierRuns, long replayWindowMillis,
                boolean fireOnFreshStart, long clockSkewMillis) {
            return new Settings(deviceTtl, 1_000, 20, 1_000, earlierRuns, replayWindowMillis, fireOnFreshStart,
                    clockSkewMillis);
        }
    }

    private final Settings settings;
    private transient MailboxExecutor mailbox;

    private transient ValueState<UserState> userState;
    private transient long deviceTtlMillis;
    private transient BroadcastState<String, CampaignEntry> campaigns;
    private transient ListState<WalkPosition> walkState;
    private transient ListState<Answer> answeredState;
    private transient CheckpointTime checkpointTime;

    private transient int instance;
    private transient int instances;
    private transient int maxParallelism;
    private transient KeyGroupRange keyGroups;
    /** Active walks of this instance, in the order they take turns. */
    private transient LinkedHashMap<String, Walk> walks;
    private transient WalkMetrics metrics;
    /** Users written while walks are under way (see {@link #noteWrittenDuringWalks}). */
    private transient Set<String> writtenDuringWalks;
    /** True when too many were written to remember: walks read every user through the state. */
    private transient boolean readAgain;
    /** Retries and estimates of retries whose devices are being read from the answers topic. */
    private transient Map<String, Walk> awaitingTargets;
    /** Campaigns an earlier run of the job finished (read at a restore), with why none of it is sent again. */
    private transient Map<String, String> finishedEarlier;
    /** Answers recorded since the checkpoint this instance was restored from, for the walks it resumes. */
    private transient Map<String, Answer> answered;
    /** Whether this instance started from a checkpoint or savepoint, and when it started (processing time). */
    private transient boolean restored;
    private transient long startedAt;
    private transient Map<String, PreparedCampaign> prepared;
    private transient StreamRecord<SendRequest> out;
    private transient DataOutputSerializer keyBytes;
    private transient boolean walkerQueued;
    private transient boolean inChunk;
    private transient long timerAt;
    private transient int checkpointsSinceRestore;
    private transient ExecutorService retryReader;

    public CampaignFanOut(Settings settings) {
        this.settings = settings;
    }

    @Override
    protected void setup(StreamTask<?, ?> containingTask, StreamConfig config,
            Output<StreamRecord<SendRequest>> output) {
        super.setup(containingTask, config, output);
        // The task's mailbox, which the walk goes through in chunks.
        mailbox = containingTask.getMailboxExecutorFactory().createExecutor(config.getChainIndex());
    }

    /**
     * Each user's state: the profile and the devices as one compact value ({@link UserStateSerializer}).
     * The value expires when the user is not written for {@code ttl}; each device inside it expires
     * on its own, {@code ttl} after its last write.
     */
    public static ValueStateDescriptor<UserState> userDescriptor(Duration ttl) {
        ValueStateDescriptor<UserState> d = new ValueStateDescriptor<>("user", UserStateSerializer.TYPE);
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

    // ---------------------------------------------------------------------------------------------
    // Life cycle and state
    // ---------------------------------------------------------------------------------------------

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        instance = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        instances = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        maxParallelism = getRuntimeContext().getTaskInfo().getMaxNumberOfParallelSubtasks();
        keyGroups = KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxParallelism, instances, instance);
        campaigns = context.getOperatorStateStore().getBroadcastState(CAMPAIGNS);
        walkState = context.getOperatorStateStore().getUnionListState(WALKS);
        answeredState = context.getOperatorStateStore().getUnionListState(ANSWERED);
        checkpointTime = CheckpointTime.of(context);
        walks = new LinkedHashMap<>();
        writtenDuringWalks = new HashSet<>();
        awaitingTargets = new HashMap<>();
        finishedEarlier = new HashMap<>();
        answered = new HashMap<>();
        prepared = new HashMap<>();
        restored = context.isRestored();
        startedAt = getProcessingTimeService().getCurrentProcessingTime();
        if (restored) {
            restoreWalks();
        }
    }

    /** Takes the positions of this instance's key groups, from whichever instance held them. */
    private void restoreWalks() throws Exception {
        Map<String, List<WalkPosition>> mine = new LinkedHashMap<>();
        for (WalkPosition p : walkState.get()) {
            if (keyGroups.contains(p.keyGroup)) {
                mine.computeIfAbsent(p.walkId, id -> new ArrayList<>()).add(p);
            }
        }
        for (List<WalkPosition> positions : mine.values()) {
            WalkPosition first = positions.get(0);
            CampaignEntry entry = campaigns.get(first.campaignId);
            if (entry == null || entry.state == CampaignLife.State.CANCELLED) {
                continue;
            }
            if (first.kind == WalkPosition.Kind.FIRE && replaySkip(first.at, entry.campaign) != null) {
                // A walk left unfinished long ago, in an old savepoint: the window decides, as for a fire read again.
                continue;
            }
            Walk w = new Walk(first.walkId, first.campaignId, first.kind, first.at,
                    compiled(first.campaignId, entry.campaign).at(first.at, null), entry.local());
            positions.forEach(p -> w.groups.put(p.keyGroup, p));
            if (first.outcomes != null) {
                // Which devices a retry is for is read again from the answers (in open, off the task thread).
                w.outcomes = WalkPosition.outcomes(first.outcomes);
                awaitingTargets.put(w.id, w);
            } else {
                walks.put(w.id, w);
            }
        }
        for (Answer a : answeredState.get()) {
            if (isMine(a.userId)) {
                answered.put(a.notificationId, a);
            }
        }
    }

    private boolean isMine(String userId) {
        return userId != null && keyGroups.contains(KeyGroupRangeAssignment.assignToKeyGroup(userId, maxParallelism));
    }

    @Override
    public void open() throws Exception {
        super.open();
        userState = getKeyedStateStore().getState(userDescriptor(settings.deviceTtl));
        deviceTtlMillis = settings.deviceTtl.toMillis();
        metrics = new WalkMetrics(getMetricGroup(), () -> walks.size());
        out = new StreamRecord<>(null);
        keyBytes = new DataOutputSerializer(64);
        if (settings.earlierRuns != null && checkpointTime.restored() >= 0) {
            // What earlier runs did since the checkpoint: the walks this instance resumes and the fires
            // and transactional sends its sources read again would hand it out again. A replay from an
            // old savepoint acts only on what is younger than its window, so it reads no further.
            long from = Math.max(checkpointTime.restored(), startedAt - settings.replayWindowMillis) - AnswerLog.SKEW_MS;
            EarlierRuns.Found found = settings.earlierRuns.read(from, this::isMine);
            answered.putAll(found.answers);
            finishedEarlier.putAll(found.finished);
            dropWalksFinishedEarlier();
        }
        for (Walk w : awaitingTargets.values()) {
            readTargets(w);
        }
        // Timers are not checkpointed: the schedules and the quiet-hour holds are, with the campaigns.
        // One whose time passed while the job was down goes now.
        for (Map.Entry<String, CampaignEntry> c : campaigns.entries()) {
            CampaignEntry entry = c.getValue();
            if (entry.state == CampaignLife.State.FIRED) {
                LocalTimeSchedule local = entry.local();
                for (long moment : local != null ? entry.slotsStarted : List.of(entry.firedAt)) {
                    registerHolds(c.getKey(), entry, moment);
                }
            }
            scheduleFire(c.getKey(), entry);
        }
        if (!walks.isEmpty()) {
            LOG.info("Instance {} resumes {} walks ({} answers on record since the checkpoint)", instance,
                    walks.size(), answered.size());
            queueWalker();
        }
    }

    /**
     * A fire's walk in the savepoint of a campaign that a later run finished (a replay): nothing of it
     * goes again. Retries go on: they are for the devices whose last answer is still a failure.
     */
    private void dropWalksFinishedEarlier() {
        for (Iterator<Walk> it = walks.values().iterator(); it.hasNext(); ) {
            Walk w = it.next();
            String why = w.kind == WalkPosition.Kind.FIRE ? finishedEarlier.get(w.campaignId) : null;
            if (why != null) {
                it.remove();
                if (instance == 0) {
                    status(CampaignStatus.of(w.campaignId, StatusKind.SKIPPED, why, now()));
                }
            }
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<WalkPosition> positions = new ArrayList<>();
        walks.values().forEach(w -> positions.addAll(w.groups.values()));
        awaitingTargets.values().forEach(w -> positions.addAll(w.groups.values()));
        walkState.update(positions);
        answeredState.update(new ArrayList<>(answered.values()));
        checkpointTime.snapshot(context);
    }

    /**
     * Sends the sources read again after a restore are processed within a few checkpoints; then only
     * the answers for walks still going are kept (each walk drops its own when it ends).
     */
    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        if (!answered.isEmpty() && ++checkpointsSinceRestore >= CHECKPOINTS_KEEPING_SEND_ANSWERS) {
            answered.values().removeIf(a -> !firing(a.campaignId));
        }
    }

    @Override
    public void close() throws Exception {
        // Iterators pin RocksDB resources and must be closed before the state backend is.
        if (walks != null) {
            walks.values().forEach(Walk::closeKeys);
        }
        if (retryReader != null) {
            retryReader.shutdownNow();
        }
        super.close();
    }

    // ---------------------------------------------------------------------------------------------
    // Inputs
    // ---------------------------------------------------------------------------------------------

    @Override
    public void processElement1(StreamRecord<UserUpdate> element) throws Exception {
        UserUpdate update = element.getValue();
        UserState u = userState.value();
        if (u == null) {
            u = new UserState();
        }
        long now = now();
        if (update.send != null) {
            send(update.send, u.profile, u.live(now, deviceTtlMillis));
            return;
        }
        UserProfile p = u.profile;
        if (update.device != null) {
            DeviceEvent e = update.device;
            if (e.type == DeviceEvent.Type.ERASE_USER && e.version > p.erasedV) {
                releaseClaims(e, u.live(now, deviceTtlMillis));
            } else if (e.version <= p.erasedV && e.deviceId != null
                    && (e.type == DeviceEvent.Type.REGISTER || e.type == DeviceEvent.Type.UPDATE)) {
                // A claim older than the erase, come late: its claim is released too.
                output.collect(RELEASED_CLAIMS, new StreamRecord<>(
                        DeviceEvent.claimsReleased(e.userId, e.deviceId, e.token, p.erasedV)));
            }
            DeviceStateMerge.apply(p, u.devicesAt(now, deviceTtlMillis), e);
        } else {
            DeviceStateMerge.apply(p, update.audience);
        }
        userState.update(u);
        noteWrittenDuringWalks(update.userId());
    }

    /**
     * Walks read users as stored when they began; a user written since is read again through the
     * state when a walk comes to it, so a walk acts on what the user is now (an opt-out, an erase, a
     * new token). Up to {@link #MAX_WRITTEN_DURING_WALKS} users are remembered; past that, walks read
     * every user again until none is under way.
     */
    private void noteWrittenDuringWalks(String userId) {
        if (walks.isEmpty() || readAgain) {
            return;
        }
        writtenDuringWalks.add(userId);
        if (writtenDuringWalks.size() > MAX_WRITTEN_DURING_WALKS) {
            writtenDuringWalks.clear();
            readAgain = true;
        }
    }

    /**
     * An erased user no longer holds its device ids and tokens: one release per device, written back
     * to the devices topic, for the claim stages to forget who held them.
     */
    private void releaseClaims(DeviceEvent erase, Collection<DeviceRecord> devices) {
        for (DeviceRecord d : devices) {
            String token = d.token != null && d.tokenV <= erase.version ? d.token : null;
            output.collect(RELEASED_CLAIMS, new StreamRecord<>(
                    DeviceEvent.claimsReleased(erase.userId, d.deviceId, token, erase.version)));
        }
    }

    /** A transactional send: this user's devices only, at once, however many users there are. */
    private void send(CampaignEvent event, UserProfile user, Collection<DeviceRecord> devices) throws Exception {
        CampaignEntry entry = campaigns.get(event.campaignId);
        CampaignLife.Step step = CampaignLife.on(stateHere(event.campaignId, entry), CampaignEvent.Type.SEND);
        if (step.action != CampaignLife.Action.SEND) {
            status(CampaignStatus.of(event.campaignId, StatusKind.REJECTED, step.error + " (user " + event.userId + ")",
                    now()));
            return;
        }
        String skip = replaySkip(event.timestamp, entry.campaign);
        if (skip != null) {
            status(CampaignStatus.of(event.campaignId, StatusKind.SKIPPED, "send " + event.sendId + " to "
                    + event.userId + ": " + skip, now()));
            return;
        }
        PreparedCampaign.FanOutCount c = compiled(event.campaignId, entry.campaign).at(event.timestamp, event.sendId)
                .fanOut(event.userId, user, devices, request -> {
                    request.answer = answerOnRecord(request.notificationId);
                    emit(request);
                });
        CampaignStatus s = CampaignStatus.of(event.campaignId, StatusKind.SENT, null, now());
        s.targeted = c.targeted;
        s.suppressed = c.suppressed;
        status(s);
    }

    @Override
    public void processElement2(StreamRecord<CampaignEvent> element) throws Exception {
        CampaignEvent event = element.getValue();
        CampaignEntry entry = campaigns.get(event.campaignId);
        CampaignLife.Step step = CampaignLife.on(stateHere(event.campaignId, entry), event.type);
        String skip = step.action == CampaignLife.Action.WALK ? replaySkip(event.timestamp, entry.campaign) : null;
        if (skip == null && step.action == CampaignLife.Action.WALK && event.timestamp < startedAt) {
            skip = finishedEarlier.get(event.campaignId);
        }
        if (skip != null) {
            // Read again by a replay and not acted on: history.
            markFired(event.campaignId, entry, event.timestamp);
            if (instance == 0) {
                status(CampaignStatus.of(event.campaignId, StatusKind.SKIPPED, skip, now()));
            }
            return;
        }
        if (step.status != null && step.status != StatusKind.CANCELLED) {
            // Campaign-wide news is told once, by the first instance; every instance takes the step.
            if (instance == 0) {
                status(CampaignStatus.of(event.campaignId, step.status, step.error, now()));
            }
        }
        switch (step.action) {
            case REMEMBER:
                // Compiled now (segment, templates, payload skeletons), so that a fire starts sending at once.
                CampaignEntry created = CampaignEntry.created(event.campaign, event.timestamp);
                campaigns.put(event.campaignId, created);
                prepared.remove(event.campaignId);
                compiled(event.campaignId, event.campaign);
                scheduleFire(event.campaignId, created);
                break;
            case WALK:
                LocalTimeSchedule local = entry.local();
                if (local != null) {
                    // Fired by hand: every zone now, and the schedule's moments do nothing more.
                    entry.slotsStarted = new ArrayList<>(local.slots());
                }
                markFired(event.campaignId, entry, event.timestamp);
                startWalk(event.campaignId, event.campaignId, WalkPosition.Kind.FIRE, event.timestamp, entry);
                break;
            case ESTIMATE:
                if (event.outcomes != null) {
                    startRetry(event, entry, WalkPosition.Kind.ESTIMATE);
                } else {
                    startWalk(event.campaignId + "#estimate@" + event.timestamp, event.campaignId,
                            WalkPosition.Kind.ESTIMATE, event.timestamp, entry);
                }
                break;
            case RETRY:
                startRetry(event, entry, WalkPosition.Kind.RETRY);
                break;
            case STOP:
                entry.state = CampaignLife.State.CANCELLED;
                campaigns.put(event.campaignId, entry);
                cancel(event.campaignId);
                break;
            case NONE:
            case SEND:
            default:
                break;
        }
    }

    /**
     * Why a fire or send written at {@code writtenAt} is not to be acted on, or null. Only records
     * written before this run started can be skipped (a replay reads them again): by a job that
     * started without state, they are history; after a restore, those older than the replay window
     * are, unless the campaign asks to be resumed. The rest are acted on, and what an earlier run
     * already had answered is not sent again (the answers read at start say so).
     */
    private String replaySkip(long writtenAt, Campaign campaign) {
        if (writtenAt >= startedAt - settings.clockSkewMillis) {
            return null;
        }
        if (!restored) {
            return settings.fireOnFreshStart ? null
                    : "written before this job started, and the job started without state: taken for history "
                            + "(replay.fireOnFreshStart acts on it)";
        }
        long age = startedAt - writtenAt;
        if (age <= settings.replayWindowMillis || Boolean.TRUE.equals(campaign.resumeOnReplay)) {
            return null;
        }
        return "written " + Duration.ofMillis(age).toMinutes() + " min before this job was restored, more than "
                + "replay.resumeCampaignsFiredWithinMs (" + Duration.ofMillis(settings.replayWindowMillis).toMinutes()
                + " min): not resumed (resumeOnReplay on the campaign resumes it)";
    }

    /** The provider's answer to a notification handed out again after a restore, if it is on record (taken once). */
    private Answer answerOnRecord(String notificationId) {
        return answered.isEmpty() ? null : answered.remove(notificationId);
    }

    /** A fire taken (acted on or, by a replay, skipped as history): the campaign counts as fired. */
    private void markFired(String campaignId, CampaignEntry entry, long firedAt) throws Exception {
        entry.state = CampaignLife.State.FIRED;
        entry.firedAt = firedAt;
        campaigns.put(campaignId, entry);
    }

    /**
     * Sets the timers of a campaign's schedule (at once for a time that has passed): its
     * {@code schedule.at} while it is created, or each local-time moment not started yet.
     */
    private void scheduleFire(String campaignId, CampaignEntry entry) {
        LocalTimeSchedule local = entry.local();
        if (local != null && entry.state != CampaignLife.State.CANCELLED) {
            for (long slot : local.slots()) {
                if (!entry.slotsStarted.contains(slot)) {
                    getProcessingTimeService().registerTimer(Math.max(slot, now()), t -> localSlotDue(campaignId, slot));
                }
            }
            return;
        }
        if (entry.state != CampaignLife.State.CREATED || entry.campaign.schedule == null
                || entry.campaign.schedule.at == null) {
            return;
        }
        long at = entry.campaign.schedule.at;
        getProcessingTimeService().registerTimer(Math.max(at, now()), t -> scheduledFireDue(campaignId));
    }

    /**
     * A schedule's time has come: the campaign fires as if a {@code fire} record written at that time
     * had come, unless it fired already (a {@code fire} came first), was cancelled, or was replaced
     * by a definition with a later time (whose own timer is set). Every instance decides alike, from
     * the same broadcast state; the first says so on campaign-status.
     */
    private void scheduledFireDue(String campaignId) throws Exception {
        CampaignEntry entry = campaigns.get(campaignId);
        long now = now();
        if (entry == null || entry.state != CampaignLife.State.CREATED || entry.campaign.schedule == null
                || entry.campaign.schedule.at == null || entry.campaign.schedule.at > now) {
            return;
        }
        long at = entry.campaign.schedule.at;
        String skip = scheduleSkip(campaignId, entry.campaign, at, now);
        if (skip != null) {
            markFired(campaignId, entry, at);
            if (instance == 0) {
                status(CampaignStatus.of(campaignId, StatusKind.SKIPPED, skip, now));
            }
            return;
        }
        if (instance == 0) {
            status(CampaignStatus.of(campaignId, StatusKind.FIRED, null, now));
        }
        markFired(campaignId, entry, at);
        startWalk(campaignId, campaignId, WalkPosition.Kind.FIRE, at, entry);
    }

    /**
     * One moment of a local-time schedule has come: a walk of its own hands the campaign out to the
     * devices whose zone falls on it (walk id {@code campaignId@moment}, so its positions are
     * checkpointed and resumed like any fire's). The moments started are kept with the campaign, so a
     * restore starts each once; the first moment fires the campaign.
     */
    private void localSlotDue(String campaignId, long slot) throws Exception {
        CampaignEntry entry = campaigns.get(campaignId);
        LocalTimeSchedule local = entry == null ? null : entry.local();
        if (local == null || entry.state == CampaignLife.State.CANCELLED || entry.slotsStarted.contains(slot)
                || !local.slots().contains(slot)) {
            return; // cancelled, fired by hand, already started, or replaced by another schedule
        }
        long now = now();
        entry.slotsStarted.add(slot);
        String skip = scheduleSkip(campaignId, entry.campaign, slot, now);
        if (skip != null) {
            campaigns.put(campaignId, entry);
            if (instance == 0) {
                status(CampaignStatus.of(campaignId, StatusKind.SKIPPED, "the devices due at "
                        + java.time.Instant.ofEpochMilli(slot) + ": " + skip, now));
            }
            return;
        }
        if (entry.state == CampaignLife.State.CREATED) {
            if (instance == 0) {
                status(CampaignStatus.of(campaignId, StatusKind.FIRED, null, now));
            }
            markFired(campaignId, entry, slot);
        } else {
            campaigns.put(campaignId, entry);
        }
        startWalk(campaignId + "@" + slot, campaignId, WalkPosition.Kind.FIRE, slot, entry);
    }

    /** The quiet hours a campaign's fires keep: its own, else its app's; null for none. */
    private QuietHours quietFor(Campaign campaign) {
        return QuietHours.effective(campaign.quietHours, settings.quietHours.get(campaign.appId));
    }

    /** The zone of devices without one: the schedule's default zone, else UTC. */
    static java.time.ZoneId fallbackZone(Campaign campaign) {
        return campaign.schedule != null && campaign.schedule.defaultTimezone != null
                ? QuietHours.zoneOf(campaign.schedule.defaultTimezone, java.time.ZoneOffset.UTC)
                : java.time.ZoneOffset.UTC;
    }

    /**
     * A fire's walk for {@code moment} held the devices in quiet hours: a timer for each moment such a
     * window ends, across zones, whose walk sends them (walk {@code campaignId@held@moment@end}).
     */
    private void registerHolds(String campaignId, CampaignEntry entry, long moment) {
        QuietHours quiet = quietFor(entry.campaign);
        if (quiet == null || !quiet.hold) {
            return;
        }
        for (long end : quiet.holdEnds(moment, fallbackZone(entry.campaign))) {
            if (!entry.holdsStarted.contains(moment + "@" + end)) {
                getProcessingTimeService().registerTimer(Math.max(end, now()), t -> holdDue(campaignId, moment, end));
            }
        }
    }

    private void holdDue(String campaignId, long moment, long end) throws Exception {
        CampaignEntry entry = campaigns.get(campaignId);
        String key = moment + "@" + end;
        if (entry == null || entry.state == CampaignLife.State.CANCELLED || entry.holdsStarted.contains(key)) {
            return;
        }
        entry.holdsStarted.add(key);
        campaigns.put(campaignId, entry);
        startWalk(campaignId + HELD + key, campaignId, WalkPosition.Kind.FIRE, end, entry);
    }

    /** Marks the walk id of devices held by quiet hours: {@code campaignId@held@moment@end}. */
    static final String HELD = "@held@";
    /** {@code Walk.quietUntil} of a device whose zone is not in quiet hours at the walk's moment. */
    private static final long NOT_QUIET = Long.MIN_VALUE;

    /** Whether a fire of the campaign (any of its moments, for a local-time schedule) is walking here. */
    private boolean firing(String campaignId) {
        for (Walk w : walks.values()) {
            if (w.kind == WalkPosition.Kind.FIRE && w.campaignId.equals(campaignId)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why a schedule that came due is not acted on, or null. Not the replay window: a schedule whose
     * time passed while the job was down fires when it is back, however long that was, unless the
     * campaign expired meanwhile or a later run finished it. A job started without state rebuilds
     * the campaigns from the topic and takes schedules that came due before it started for history,
     * as it does fires.
     */
    private String scheduleSkip(String campaignId, Campaign campaign, long at, long now) {
        if (campaign.expiresAt != null && campaign.expiresAt <= now) {
            return "scheduled for " + java.time.Instant.ofEpochMilli(at) + " and expired at "
                    + java.time.Instant.ofEpochMilli(campaign.expiresAt) + ", before the job could fire it";
        }
        if (at < startedAt - settings.clockSkewMillis && !restored && !settings.fireOnFreshStart) {
            return "scheduled for " + java.time.Instant.ofEpochMilli(at) + ", before this job started, and the job "
                    + "started without state: taken for history (replay.fireOnFreshStart acts on it)";
        }
        return at < startedAt ? finishedEarlier.get(campaignId) : null;
    }

    /** This instance's view of a campaign's state (null: unknown). */
    private CampaignLife.State stateHere(String campaignId, CampaignEntry entry) {
        return entry == null ? null : entry.state.onThisInstance(firing(campaignId));
    }

    /**
     * A retry, or the estimate of one: the campaign's answers are read from the answers topic off the
     * task thread (from the fire on, this instance's users only), then a walk hands the campaign out
     * again (or counts) the devices whose last answer has one of the outcomes asked for, with the same
     * notification ids. Its position is checkpointed like a fire's; after a restore the answers are
     * read again and the walk goes on where it was.
     */
    private void startRetry(CampaignEvent event, CampaignEntry entry, WalkPosition.Kind kind) {
        String campaignId = event.campaignId;
        if (settings.earlierRuns == null) {
            status(CampaignStatus.of(campaignId, StatusKind.REJECTED, "a retry needs the answers topic", now()));
            return;
        }
        if (kind == WalkPosition.Kind.ESTIMATE && entry.firedAt == 0) {
            status(CampaignStatus.of(campaignId, StatusKind.REJECTED,
                    "estimate of a retry of a campaign that was never fired", now()));
            return;
        }
        String walkId = campaignId + (kind == WalkPosition.Kind.RETRY ? "#retry@" : "#retry-estimate@") + event.timestamp;
        if (walks.containsKey(walkId) || awaitingTargets.containsKey(walkId)) {
            return;
        }
        Walk w = newWalk(walkId, campaignId, kind, entry.firedAt, entry);
        w.outcomes = EnumSet.copyOf(event.outcomes);
        String names = WalkPosition.outcomes(w.outcomes);
        w.groups.values().forEach(p -> p.outcomes = names);
        awaitingTargets.put(walkId, w);
        readTargets(w);
    }

    /** Reads which devices {@code w} is for (their last answer has one of its outcomes), then starts it. */
    private void readTargets(Walk w) {
        long from = w.at - AnswerLog.SKEW_MS;
        AnswerLog log = settings.earlierRuns.answers();
        String campaignId = w.campaignId;
        CompletableFuture.supplyAsync(() -> log.read(from, a -> campaignId.equals(a.campaignId) && isMine(a.userId)),
                retryReader()).whenComplete((answers, error) -> {
                    try {
                        mailbox.execute(() -> {
                            if (awaitingTargets.remove(w.id) == null) {
                                return; // cancelled meanwhile
                            }
                            if (error != null) {
                                status(CampaignStatus.of(campaignId, StatusKind.REJECTED,
                                        "retry could not read the answers topic: " + error, now()));
                                return;
                            }
                            Set<String> again = new HashSet<>();
                            answers.values().forEach(a -> {
                                if (w.outcomes.contains(a.outcome)) {
                                    again.add(a.notificationId);
                                }
                            });
                            w.only = again;
                            walks.put(w.id, w);
                            queueWalker();
                        }, "start retry");
                    } catch (RejectedExecutionException closing) {
                        // the job is stopping: the walk's position is in the checkpoint, and its devices are read again
                    }
                });
    }

    private ExecutorService retryReader() {
        if (retryReader == null) {
            retryReader = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "herald-retry-reader");
                t.setDaemon(true);
                return t;
            });
        }
        return retryReader;
    }

    private void startWalk(String walkId, String campaignId, WalkPosition.Kind kind, long at, CampaignEntry entry) {
        if (walks.containsKey(walkId)) {
            return;
        }
        walks.put(walkId, newWalk(walkId, campaignId, kind, at, entry));
        if (kind == WalkPosition.Kind.FIRE && !walkId.contains(HELD)) {
            registerHolds(campaignId, entry, at);
        }
        queueWalker();
    }

    /** A walk over all of this instance's key groups, from their start. */
    private Walk newWalk(String walkId, String campaignId, WalkPosition.Kind kind, long at, CampaignEntry entry) {
        Walk w = new Walk(walkId, campaignId, kind, at, compiled(campaignId, entry.campaign).at(at, null), entry.local());
        for (int g = keyGroups.getStartKeyGroup(); g <= keyGroups.getEndKeyGroup(); g++) {
            w.groups.put(g, WalkPosition.start(walkId, campaignId, kind, at, g));
        }
        return w;
    }

    /** Stops every walk of the campaign, says what this instance had handed out, and tells the deliveries. */
    private void cancel(String campaignId) {
        CampaignStatus s = CampaignStatus.of(campaignId, StatusKind.CANCELLED, null, now());
        s.subtask = instance;
        s.subtasks = instances;
        s.keyGroupsTotal = maxParallelism;
        Walk fire = walks.get(campaignId);
        if (fire != null) {
            fire.count(s);
            s.usersExpected = fire.usersExpected();
        }
        for (Iterator<Walk> it = walks.values().iterator(); it.hasNext(); ) {
            Walk w = it.next();
            if (w.campaignId.equals(campaignId)) {
                w.closeKeys();
                it.remove();
            }
        }
        awaitingTargets.values().removeIf(w -> w.campaignId.equals(campaignId));
        answered.values().removeIf(a -> campaignId.equals(a.campaignId));
        prepared.remove(campaignId);
        status(s);
        output.collect(out.replace(SendRequest.control(SendRequest.Control.CANCEL, campaignId)));
    }

    private PreparedCampaign compiled(String campaignId, Campaign campaign) {
        PreparedCampaign p = prepared.get(campaignId);
        if (p == null) {
            if (prepared.size() >= MAX_PREPARED) {
                prepared.clear();
            }
            p = new PreparedCampaign(campaign, now());
            prepared.put(campaignId, p);
        }
        return p;
    }

    // ---------------------------------------------------------------------------------------------
    // The walker: one mail at a time, each a chunk of every walk that may go on
    // ---------------------------------------------------------------------------------------------

    private void queueWalker() {
        if (walkerQueued) {
            return;
        }
        walkerQueued = true;
        try {
            mailbox.execute(this::walkChunk, "walk campaigns");
        } catch (RejectedExecutionException closing) {
            walkerQueued = false;
        }
    }

    private void walkChunk() throws Exception {
        walkerQueued = false;
        if (inChunk) {
            // Run from inside a chunk (a delivery yielding for room): that chunk queues the next one.
            return;
        }
        inChunk = true;
        try {
            long deadline = System.nanoTime() + settings.chunkMillis * 1_000_000;
            for (Walk w : new ArrayList<>(walks.values())) {
                if (!walks.containsKey(w.id) || w.resumeAt > now()) {
                    continue;
                }
                if (w.step(deadline)) {
                    walks.remove(w.id);
                    finished(w);
                } else {
                    walks.remove(w.id);
                    walks.put(w.id, w); // the next chunk starts with another walk
                }
                if (System.nanoTime() > deadline) {
                    break;
                }
            }
            long now = now();
            walks.values().forEach(w -> w.maybeReportProgress(now));
            if (walks.isEmpty()) {
                writtenDuringWalks.clear();
                readAgain = false;
            }
        } finally {
            inChunk = false;
        }
        scheduleNext();
    }

    private void scheduleNext() {
        long now = now();
        long next = Long.MAX_VALUE;
        for (Walk w : walks.values()) {
            if (w.resumeAt <= now) {
                queueWalker();
                return;
            }
            next = Math.min(next, w.resumeAt);
        }
        if (next != Long.MAX_VALUE && (timerAt == 0 || next < timerAt)) {
            timerAt = next;
            getProcessingTimeService().registerTimer(next, t -> {
                timerAt = 0;
                queueWalker();
            });
        }
    }

    private void finished(Walk w) {
        w.closeKeys();
        CampaignStatus s = CampaignStatus.of(w.campaignId, w.kind == WalkPosition.Kind.FIRE
                ? CampaignLife.walkDone(CampaignLife.State.WALKING).status
                : w.kind == WalkPosition.Kind.RETRY ? StatusKind.RETRIED : StatusKind.ESTIMATED, null, now());
        w.count(s);
        s.elapsedMs = (System.nanoTime() - w.startedNanos) / 1_000_000;
        if (w.outcomes != null) {
            s.outcomes = new ArrayList<>(w.outcomes);
        }
        if (w.kind == WalkPosition.Kind.FIRE) {
            if (!firing(w.campaignId)) {
                answered.values().removeIf(a -> w.campaignId.equals(a.campaignId));
            }
        } else if (w.kind == WalkPosition.Kind.ESTIMATE) {
            s.refused = 0L;
            s.byPlatform = new TreeMap<>();
            s.byLocale = new TreeMap<>();
            for (WalkPosition p : w.groups.values()) {
                s.refused += p.refused;
                p.byPlatform.forEach((k, v) -> s.byPlatform.merge(k, v, Long::sum));
                p.byLocale.forEach((k, v) -> s.byLocale.merge(k, v, Long::sum));
                if (w.local != null) {
                    if (s.bySchedule == null) {
                        s.bySchedule = new TreeMap<>();
                    }
                    p.bySchedule.forEach((k, v) -> s.bySchedule.merge(k, v, Long::sum));
                }
            }
        }
        status(s);
    }

    private void emit(SendRequest request) {
        output.collect(out.replace(request));
    }

    private void status(CampaignStatus s) {
        output.collect(ValidateCampaigns.STATUS, new StreamRecord<>(s));
    }

    private long now() {
        return getProcessingTimeService().getCurrentProcessingTime();
    }

    private byte[] serialized(String key) throws IOException {
        keyBytes.clear();
        TypeSerializer<Object> serializer = getKeyedStateBackend().getKeySerializer();
        serializer.serialize(key, keyBytes);
        return keyBytes.getCopyOfBuffer();
    }

    /**
     * What an estimate counts of the devices of one zone: their schedule moment's name (or null) and
     * whether they are in quiet hours then.
     */
    private record ZoneCount(String slot, boolean quiet) {}

    /** One walk of one campaign on this instance: its key groups' positions and its open iterator. */
    private final class Walk {
        final String id;
        final String campaignId;
        final WalkPosition.Kind kind;
        final long at;
        final PreparedCampaign campaign;
        /** This instance's key groups in this walk, in key order. */
        final TreeMap<Integer, WalkPosition> groups = new TreeMap<>();
        final long startedNanos = System.nanoTime();
        /** Notifications per second this instance may hand out, or 0 for no limit. */
        final double perSecond;
        /** For a fire spread out over a time: how long from the fire, in milliseconds; 0 for none. */
        final long spreadMillis;
        /** The quiet hours this walk keeps (null: none), and for a walk of held devices, the moment they were held at. */
        final QuietHours quiet;
        final Long heldFrom;
        final java.time.ZoneId fallbackZone;
        /** For each device zone (few), when its quiet window at this walk's moment ends, or {@link #NOT_QUIET}. */
        private final Map<String, Long> quietUntil = new HashMap<>();
        /** For an estimate, what it counts of each device zone (few): see {@link #zoneCount}. */
        private final Map<String, ZoneCount> zoneCounts = new HashMap<>();
        /** A local-time schedule, and for one of its moments' walks, that moment (only its devices go). */
        final LocalTimeSchedule local;
        final Long localSlot;
        /** The campaign's app and its frequency cap; null when it has none or the campaign is exempt. */
        final String app;
        final FrequencyCap cap;
        /** For a spread-out fire: this instance's users still to walk, counted first; -1 until counted. */
        long usersToGo = -1;
        private long usersCounted;
        private StoredUsers counting;
        /** When the count ended, and the users walked since: the spread's pace. */
        private long spreadFrom;
        private long spreadWalked;
        /** For a retry (or its estimate): the outcomes it is for, and the notification ids that had them. */
        Set<Outcome> outcomes;
        Set<String> only;
        long paceFrom;
        long pacedSent;
        long resumeAt;
        long progressAt;
        /** The users as stored when the walk began, read in order. */
        private StoredUsers stored;
        /** The serialized last key of a group resumed after a restore, while the walk skips up to it. */
        private WalkPosition resuming;
        private byte[] resumingAfter;
        /** The key group the walk is in. */
        private int group = -1;

        Walk(String id, String campaignId, WalkPosition.Kind kind, long at, PreparedCampaign campaign,
                LocalTimeSchedule local) {
            this.id = id;
            this.campaignId = campaignId;
            this.kind = kind;
            this.at = at;
            this.campaign = campaign;
            Integer maxPerSecond = campaign.campaign().maxPerSecond;
            this.perSecond = kind != WalkPosition.Kind.ESTIMATE && maxPerSecond != null ? maxPerSecond / (double) instances : 0;
            this.spreadMillis = kind == WalkPosition.Kind.FIRE ? campaign.campaign().spreadOverMillis() : 0;
            this.app = campaign.campaign().appId;
            this.local = local;
            this.quiet = kind == WalkPosition.Kind.RETRY ? null : quietFor(campaign.campaign());
            int held = id.indexOf(HELD);
            this.heldFrom = held < 0 ? null : Long.parseLong(id.substring(held + HELD.length(), id.lastIndexOf('@')));
            this.fallbackZone = fallbackZone(campaign.campaign());
            this.localSlot = local != null && kind == WalkPosition.Kind.FIRE && !id.equals(campaignId)
                    ? (heldFrom != null ? heldFrom : Long.valueOf(at)) : null;
            this.cap = Boolean.TRUE.equals(campaign.campaign().capExempt) ? null : settings.frequencyCaps.get(app);
            this.paceFrom = now();
            this.progressAt = now() + settings.progressEveryMillis;
        }

        /** Walks on until the chunk's user budget or {@code deadline}; true when every user is walked. */
        boolean step(long deadline) throws Exception {
            if (stored == null) {
                stored = StoredUsers.open(getKeyedStateBackend(), userDescriptor(settings.deviceTtl).getName(),
                        maxParallelism, deviceTtlMillis);
                if (stored == null) {
                    groups.values().forEach(p -> p.done = true);
                    return true;
                }
            }
            if (spreadMillis > 0 && usersToGo < 0 && !countUsersToGo(deadline)) {
                return false;
            }
            int walked = 0;
            int seen = 0;
            long now = now();
            while (walked < settings.usersPerChunk) {
                if ((++seen & 63) == 0 && System.nanoTime() > deadline) {
                    return false;
                }
                if (perSecond > 0 && !mayHandOut()) {
                    return false;
                }
                if (spreadMillis > 0 && !spreadAllows()) {
                    return false;
                }
                if (!stored.next()) {
                    groups.values().forEach(p -> p.done = true);
                    return true;
                }
                int g = stored.keyGroup();
                WalkPosition p = groups.get(g);
                if (p == null || p.done) {
                    continue; // another instance's key group (kept after a rescale), or walked before a restore
                }
                if (g != group) {
                    // Users come by key group: every group before this one is walked.
                    groups.headMap(g, false).values().forEach(before -> before.done = true);
                    group = g;
                }
                if (p.lastKey != null && walkedBefore(p)) {
                    continue;
                }
                String user = stored.userId();
                UserState u;
                if (readAgain || writtenDuringWalks.contains(user)) {
                    // Written since the walk began: what the state holds now, not the walk's view.
                    setCurrentKey(user);
                    u = userState.value();
                } else {
                    u = stored.value(now);
                }
                p.lastKey = user;
                if (u == null) {
                    continue;
                }
                p.users++;
                walked++;
                metrics.usersWalked.inc();
                spreadWalked++;
                walkUser(user, u, u.live(now, deviceTtlMillis), p);
            }
            return false;
        }

        /** After a restore: whether the current user comes at or before where the walk had got in its group. */
        private boolean walkedBefore(WalkPosition p) throws IOException {
            if (resuming != p) {
                resuming = p;
                resumingAfter = serialized(p.lastKey);
            }
            return stored.compareKeyTo(resumingAfter) <= 0;
        }

        private void walkUser(String user, UserState state, Collection<DeviceRecord> devices, WalkPosition p)
                throws Exception {
            UserProfile u = state.profile;
            if (localSlot != null) {
                List<DeviceRecord> due = new ArrayList<>(devices.size());
                for (DeviceRecord d : devices) {
                    if (local.slotOf(d.timezone) == localSlot) {
                        due.add(d);
                    }
                }
                devices = due;
            }
            Set<String> dropped = null;
            if (quiet != null && kind == WalkPosition.Kind.FIRE) {
                List<DeviceRecord> keep = new ArrayList<>(devices.size());
                for (DeviceRecord d : devices) {
                    long until = quietUntil(d.timezone);
                    boolean isQuiet = until != NOT_QUIET;
                    if (heldFrom != null) {
                        if (until == at) {
                            keep.add(d);
                        }
                    } else if (!isQuiet) {
                        keep.add(d);
                    } else if (!quiet.hold) {
                        keep.add(d);
                        if (dropped == null) {
                            dropped = new HashSet<>();
                        }
                        dropped.add(d.deviceId);
                    } else if (d.reachable()) {
                        p.quietHours++;
                    }
                }
                devices = keep;
            }
            Set<String> quietDropped = dropped;
            if (kind == WalkPosition.Kind.RETRY) {
                if (only.isEmpty()) {
                    return;
                }
                campaign.fanOut(user, u, devices, request -> {
                    if (only.contains(request.notificationId)) {
                        p.targeted++;
                        p.handedOut++;
                        pacedSent++;
                        emit(request);
                    }
                });
            } else if (kind == WalkPosition.Kind.FIRE) {
                boolean capped = cap != null && !cap.allows(u.campaignSends.get(app), now());
                PreparedCampaign.FanOutCount c = campaign.fanOut(user, u, devices, request -> {
                    if (capped) {
                        request.refusal = cap.reason(app);
                        request.refusedAs = Outcome.CAPPED;
                    } else if (quietDropped != null && quietDropped.contains(request.deviceId)) {
                        request.refusal = quiet.reason();
                        request.refusedAs = Outcome.QUIET_HOURS;
                        p.quietHours++;
                    }
                    request.answer = answerOnRecord(request.notificationId);
                    if (request.answer == null) {
                        p.handedOut++;
                        pacedSent++;
                        metrics.handedOut.inc();
                    }
                    emit(request);
                });
                p.targeted += c.targeted;
                p.suppressed += c.suppressed;
                if (capped) {
                    p.capped += c.targeted;
                } else if (cap != null && c.targeted > 0) {
                    // Counted in the user's state with the walk's position: a restore rolls both back
                    // together, so the walk counts each user once however often it is resumed.
                    u.campaignSends.put(app, cap.record(u.campaignSends.get(app), now()));
                    setCurrentKey(user);
                    userState.update(state);
                    noteWrittenDuringWalks(user);
                }
            } else if (only != null) {
                // The estimate of a retry: the devices it would reach.
                if (only.isEmpty()) {
                    return;
                }
                campaign.select(u, devices, d -> {
                    if (only.contains(SendRequest.notificationId(campaignId, null, d.deviceId))) {
                        p.targeted++;
                        p.byPlatform.merge(d.platform.wire(), 1L, Long::sum);
                        p.byLocale.merge(d.locale == null ? "und" : d.locale, 1L, Long::sum);
                    }
                });
            } else {
                boolean capped = cap != null && !cap.allows(u.campaignSends.get(app), now());
                PreparedCampaign.FanOutCount c = campaign.select(u, devices, d -> {
                    p.byPlatform.merge(d.platform.wire(), 1L, Long::sum);
                    p.byLocale.merge(d.locale == null ? "und" : d.locale, 1L, Long::sum);
                    if (capped) {
                        p.capped++;
                    } else if (campaign.refusal(u, d) != null) {
                        p.refused++;
                    }
                    if (quiet != null || local != null) {
                        ZoneCount z = zoneCount(d.timezone);
                        if (z.quiet()) {
                            p.quietHours++;
                        }
                        if (z.slot() != null) {
                            p.bySchedule.merge(z.slot(), 1L, Long::sum);
                        }
                    }
                });
                p.targeted += c.targeted;
                p.suppressed += c.suppressed;
            }
        }

        /**
         * What an estimate counts of a device in {@code zone}: the moment its local-time schedule sends
         * it (as {@code bySchedule} names it; null without one) and whether quiet hours hold it then.
         * Remembered per zone: a walk meets few.
         */
        private ZoneCount zoneCount(String zone) {
            ZoneCount z = zoneCounts.get(zone);
            if (z == null) {
                long moment = local != null ? local.slotOf(zone) : at;
                String slot = local == null ? null
                        : moment == LocalTimeSchedule.SKIP ? "skipped" : java.time.Instant.ofEpochMilli(moment).toString();
                z = new ZoneCount(slot, quiet != null && moment != LocalTimeSchedule.SKIP
                        && quiet.quiet(QuietHours.zoneOf(zone, fallbackZone), moment));
                if (zoneCounts.size() < 4_096) {
                    zoneCounts.put(zone, z);
                }
            }
            return z;
        }

        /**
         * When the quiet window of a device in {@code zone} ends, if this walk's moment falls in it;
         * else {@link #NOT_QUIET}. Judged at the moment the walk stands for (the held-from moment for a
         * walk of held devices), so the walk that holds a device and the one that sends it agree,
         * however long the walks take. Remembered per zone: a walk meets few.
         */
        private long quietUntil(String zone) {
            Long until = quietUntil.get(zone);
            if (until == null) {
                java.time.ZoneId z = QuietHours.zoneOf(zone, fallbackZone);
                long moment = heldFrom != null ? heldFrom : at;
                until = quiet.quiet(z, moment) ? quiet.endAfter(z, moment) : NOT_QUIET;
                if (quietUntil.size() < 4_096) {
                    quietUntil.put(zone, until);
                }
            }
            return until;
        }

        /**
         * Counts this instance's users still to walk (in its key groups not yet done), in chunks like
         * the walk itself, before a spread-out fire hands anything out: its pace is users over the
         * time left. True once counted; after a restore the walk counts again what is left.
         */
        private boolean countUsersToGo(long deadline) throws Exception {
            if (counting == null) {
                counting = StoredUsers.open(getKeyedStateBackend(), userDescriptor(settings.deviceTtl).getName(),
                        maxParallelism, deviceTtlMillis);
            }
            int seen = 0;
            while (counting != null && counting.next()) {
                WalkPosition p = groups.get(counting.keyGroup());
                if (p != null && !p.done) {
                    usersCounted++;
                }
                if ((++seen & 1023) == 0 && System.nanoTime() > deadline) {
                    return false;
                }
            }
            closeCounting();
            usersToGo = usersCounted;
            spreadFrom = now();
            return true;
        }

        /**
         * Whether a spread-out fire may walk another user now: the n-th of the users to go goes at n
         * parts of the time left (from the count to the fire's time plus the spread). If not, notes when.
         */
        private boolean spreadAllows() {
            long end = at + spreadMillis;
            double dueAt = spreadFrom + (double) spreadWalked * Math.max(0, end - spreadFrom) / Math.max(1, usersToGo);
            if (now() >= dueAt) {
                return true;
            }
            resumeAt = (long) Math.ceil(dueAt);
            return false;
        }

        private void closeCounting() {
            if (counting != null) {
                counting.close();
                counting = null;
            }
        }

        /**
         * Whether the campaign's rate allows another user now: the n-th notification of this instance
         * goes at n / perSecond seconds after the walk started here. If not, notes when it may.
         */
        private boolean mayHandOut() {
            long now = now();
            double dueAt = pacedSent * 1000.0 / perSecond;
            if (now - paceFrom >= dueAt) {
                return true;
            }
            resumeAt = paceFrom + (long) Math.ceil(dueAt);
            return false;
        }

        void maybeReportProgress(long now) {
            if (kind != WalkPosition.Kind.FIRE || now < progressAt) {
                return;
            }
            progressAt = now + settings.progressEveryMillis;
            CampaignStatus s = CampaignStatus.of(campaignId, StatusKind.PROGRESS, null, now);
            count(s);
            s.usersExpected = usersExpected();
            s.elapsedMs = (System.nanoTime() - startedNanos) / 1_000_000;
            status(s);
        }

        /** This instance's users in all, extrapolated from the key groups walked (they are hash-balanced). */
        Long usersExpected() {
            long done = 0;
            long usersInDone = 0;
            long users = 0;
            for (WalkPosition p : groups.values()) {
                users += p.users;
                if (p.done) {
                    done++;
                    usersInDone += p.users;
                }
            }
            return done == 0 ? null : Math.max(users, usersInDone * groups.size() / done);
        }

        /** Adds this walk's counts on this instance to {@code s}. */
        void count(CampaignStatus s) {
            s.subtask = instance;
            s.subtasks = instances;
            s.keyGroups = groups.size();
            s.keyGroupsDone = (int) groups.values().stream().filter(p -> p.done).count();
            s.keyGroupsTotal = maxParallelism;
            s.users = groups.values().stream().mapToLong(p -> p.users).sum();
            s.targeted = groups.values().stream().mapToLong(p -> p.targeted).sum();
            s.suppressed = groups.values().stream().mapToLong(p -> p.suppressed).sum();
            long quietHours = groups.values().stream().mapToLong(p -> p.quietHours).sum();
            s.quietHours = quietHours > 0 || quiet != null ? quietHours : null;
            long capped = groups.values().stream().mapToLong(p -> p.capped).sum();
            s.capped = capped > 0 || cap != null ? capped : null;
            if (kind != WalkPosition.Kind.ESTIMATE) {
                s.handedOut = groups.values().stream().mapToLong(p -> p.handedOut).sum();
            }
        }

        void closeKeys() {
            closeCounting();
            if (stored != null) {
                stored.close();
                stored = null;
            }
        }
    }

    /** A campaign as the fan-out remembers it: its definition and where it is in its life (campaign-wide). */
    public static class CampaignEntry {
        public Campaign campaign;
        public CampaignLife.State state;
        public long firedAt;
        /** When its create was written: where a local-time schedule's passed zones are told apart. */
        public long createdAt;
        /** For a local-time schedule: the moments whose walk has started (epoch ms). */
        public List<Long> slotsStarted = new ArrayList<>();
        /** Walks of devices held by quiet hours that have started: "moment@end" (epoch ms). */
        public List<String> holdsStarted = new ArrayList<>();

        public CampaignEntry() {}

        static CampaignEntry created(Campaign campaign, long createdAt) {
            CampaignEntry e = new CampaignEntry();
            e.campaign = campaign;
            e.state = CampaignLife.State.CREATED;
            e.createdAt = createdAt;
            return e;
        }

        /** The local-time schedule, or null if the campaign has none. */
        LocalTimeSchedule local() {
            return LocalTimeSchedule.of(campaign.schedule, createdAt);
        }
    }
}
