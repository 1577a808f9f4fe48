package io.herald.job.fanout;

import io.herald.campaign.CampaignLife;
import io.herald.campaign.PreparedCampaign;
import io.herald.campaign.QuietHours;
import io.herald.campaign.ReplayPolicy;
import io.herald.campaign.UserLimits;
import io.herald.coordination.CoordinatedOperator;
import io.herald.delivery.DeliveryRoom;
import io.herald.experiment.Attribution;
import io.herald.job.fanout.walk.RetryTargets;
import io.herald.job.fanout.walk.RunawayAlerts;
import io.herald.job.fanout.walk.Walk;
import io.herald.job.fanout.walk.WalkContext;
import io.herald.job.fanout.walk.WalkId;
import io.herald.job.fanout.walk.WalkKind;
import io.herald.job.fanout.walk.WalkMetrics;
import io.herald.job.fanout.walk.WalkPlan;
import io.herald.job.fanout.walk.Walker;
import io.herald.job.functions.CampaignFanOut.CampaignEntry;
import io.herald.job.functions.Descriptors;
import io.herald.job.functions.WalkPosition;
import io.herald.kafka.AnswerLog;
import io.herald.kafka.CheckpointTime;
import io.herald.model.Campaign;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.DeviceRecord;
import io.herald.model.LiveActivity;
import io.herald.model.SendRequest;
import io.herald.model.StatusKind;
import io.herald.model.UserProfile;
import io.herald.model.UserState;
import io.herald.model.UserUpdate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;
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
import org.apache.flink.util.FlinkRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heart of Herald: keeps every user's state (keyed by user id, in RocksDB) and fans each fired
 * campaign out over it. This class keeps the Flink contract only (life cycle, state, the two
 * inputs, the outputs); the work is its collaborators'.
 *
 * <p>Device events, audience rows and transactional sends come keyed by user on the first input
 * ({@link UserUpdates}). Campaign events come broadcast on the second, so that every instance keeps
 * the same {@link CampaignTable} and plays each event through {@link CampaignLife}. A fire, a
 * schedule that comes due ({@link CampaignTimers}), a retry ({@link RetryTargetReader}) or an
 * estimate starts a {@link Walk}: every instance goes through the users it holds and hands each
 * targeted device's notification out, or counts it. The {@link Walker} runs the walks in bounded
 * steps, one mail of the task's mailbox at a time, and never waits in one: between two steps the
 * task takes in records, checkpoint barriers and cancels, and a full delivery window stops the walk
 * (of that platform alone) until it has room ({@link DeliveryRoom}). Where each walk stands is
 * checkpointed per key group ({@link WalkPosition}); after a restore, at any parallelism, the walk
 * goes on from there, and what it hands out again that the provider already answered carries the
 * answer ({@link AnswersOnRecord}), so the delivery writes its receipt without sending it.
 */
public final class FanOutOperator extends AbstractStreamOperator<SendRequest>
        implements TwoInputStreamOperator<UserUpdate, CampaignEvent, SendRequest>, CoordinatedOperator {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FanOutOperator.class);

    private final FanOutSettings settings;

    private transient MailboxExecutor mailbox;
    private transient DeliveryRoom room;
    private transient int instance;
    private transient int instances;
    private transient int maxParallelism;
    private transient KeyGroupRange keyGroups;
    private transient boolean restored;
    private transient ReplayPolicy replay;

    private transient ValueState<UserState> users;
    private transient ListState<WalkPosition> walkState;
    private transient CheckpointTime checkpointTime;
    private transient CampaignTable campaigns;
    private transient Pauses pauses;
    private transient AnswersOnRecord answers;

    private transient FanOutOutput out;
    private transient UserUpdates updates;
    private transient WrittenDuringWalks written;
    private transient Walker walker;
    private transient WalkContext walkContext;
    private transient SeedSends seeds;
    private transient CampaignTimers timers;
    private transient RetryTargetReader retries;
    private transient RunawayAlerts runawayAlerts;
    private transient OperatorEventGateway coordinator;
    private transient FireChecks fireChecks;
    private transient LiveActivityFires liveActivities;
    /** Walks restored from the checkpoint, until {@link #open()} starts them. */
    private transient List<Walk> restoredWalks;

    public FanOutOperator(FanOutSettings settings) {
        this.settings = settings;
    }

    @Override
    protected void setup(
            StreamTask<?, ?> containingTask, StreamConfig config, Output<StreamRecord<SendRequest>> output) {
        super.setup(containingTask, config, output);
        mailbox = containingTask.getMailboxExecutorFactory().createExecutor(config.getChainIndex());
        room = DeliveryRoom.of(containingTask);
    }

    /** Where fire guards' counts go: the {@link FireCheckCoordinator}, wired by {@link FanOutOperatorFactory}. */
    @Override
    public void reportTo(OperatorEventGateway gateway) {
        this.coordinator = gateway;
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
        restored = context.isRestored();
        replay = new ReplayPolicy(
                now(),
                restored,
                settings.replayWindowMillis(),
                settings.fireOnFreshStart(),
                settings.clockSkewMillis());
        campaigns = new CampaignTable(context.getOperatorStateStore());
        pauses = new Pauses(context.getOperatorStateStore(), campaigns);
        walkState = context.getOperatorStateStore().getUnionListState(Descriptors.WALKS);
        answers = new AnswersOnRecord(context.getOperatorStateStore(), restored, this::isMine);
        checkpointTime = CheckpointTime.of(context);

        out = new FanOutOutput(output, instance);
        written = new WrittenDuringWalks();
        runawayAlerts = new RunawayAlerts(out::status);
        users = getKeyedStateStore().getState(Descriptors.users(settings.deviceTtl()));
        walker = new Walker(
                mailbox,
                getProcessingTimeService(),
                settings.chunkMillis(),
                this::walkFinished,
                id -> pauses.holds(id.campaignId()));
        walkContext = new OperatorWalkContext(
                settings,
                getKeyedStateBackend(),
                users,
                getProcessingTimeService(),
                instance,
                instances,
                maxParallelism,
                keyGroups,
                out,
                answers,
                written,
                new WalkMetrics(getMetricGroup(), walker::size),
                room,
                runawayAlerts);
        seeds = new SeedSends(settings, walkContext, this::isMine, out);
        liveActivities = new LiveActivityFires(walkContext, out, keyGroups);
        fireChecks = new FireChecks(
                coordinator, maxParallelism, settings, campaigns, answers, out, walker, getProcessingTimeService());
        updates = new UserUpdates(out, settings.deviceTtl().toMillis());
        timers = new CampaignTimers(
                campaigns, getProcessingTimeService(), settings, replay, answers, out, this::startWalk);
        retries = settings.earlierRuns() == null
                ? null
                : new RetryTargetReader(settings.earlierRuns().answers(), mailbox, this::isMine);
        restoredWalks = restored ? restoreWalks() : List.of();
    }

    /** The walks of this instance's key groups, from whichever instance held them. */
    private List<Walk> restoreWalks() throws Exception {
        Map<String, List<WalkPosition>> mine = new LinkedHashMap<>();
        for (WalkPosition p : walkState.get()) {
            if (keyGroups.contains(p.keyGroup)) {
                mine.computeIfAbsent(p.walkId, id -> new ArrayList<>()).add(p);
            }
        }
        FireChecks.mergeDecided(mine);
        List<Walk> walks = new ArrayList<>();
        for (List<WalkPosition> positions : mine.values()) {
            WalkPosition first = positions.get(0);
            CampaignEntry entry = campaigns.get(first.campaignId);
            if (entry == null || entry.state == CampaignLife.State.CANCELLED) {
                continue;
            }
            WalkId id = WalkId.decode(first.walkId, first.campaignId);
            if ((id.kind() == WalkKind.FIRE || id.kind() == WalkKind.FIRE_CHECK)
                    && replay.skipRecord(first.at, Boolean.TRUE.equals(entry.campaign.resumeOnReplay)) != null) {
                continue; // left unfinished long ago, in an old savepoint: the window decides, as for a fire read again
            }
            if (id.isWholeFire() && entry.state == CampaignLife.State.CREATED) {
                // Its fire guard's totals reached the instance that fired before this copy of the
                // campaigns was taken (the copies are alike but for that): it is fired.
                campaigns.markFiredByHand(first.campaignId, entry, first.at);
            }
            walks.add(Walk.restore(id, plan(id, entry, first.at), walkContext, positions));
        }
        return walks;
    }

    private boolean isMine(String userId) {
        return userId != null && keyGroups.contains(KeyGroupRangeAssignment.assignToKeyGroup(userId, maxParallelism));
    }

    @Override
    public void open() throws Exception {
        super.open();
        room.onRoom(walker::roomFreed);
        if (settings.earlierRuns() != null && checkpointTime.restored() >= 0) {
            // What earlier runs did since the checkpoint: the walks this instance resumes and the fires
            // and transactional sends its sources read again would hand it out again. A replay from an
            // old savepoint acts only on what is younger than its window, so it reads no further.
            long from = Math.max(checkpointTime.restored(), replay.startedAt() - settings.replayWindowMillis())
                    - AnswerLog.SKEW_MS;
            answers.read(settings.earlierRuns(), from, this::isMine);
        }
        for (Walk w : restoredWalks) {
            String finishedEarlier = w.id().kind() == WalkKind.FIRE || w.id().kind() == WalkKind.FIRE_CHECK
                    ? answers.finishedEarlier(w.id().campaignId())
                    : null;
            if (finishedEarlier != null) {
                // A fire in the savepoint of a campaign a later run finished (a replay): nothing of it goes again.
                w.close();
                out.campaignWide(CampaignStatus.of(w.id().campaignId(), StatusKind.SKIPPED, finishedEarlier, now()));
            } else if (w.id().kind().needsRetryTargets()) {
                if (retries != null) {
                    retries.read(w, this::retryReady);
                } else {
                    out.status(CampaignStatus.of(
                            w.id().campaignId(), StatusKind.REJECTED, "a retry needs the answers topic", now()));
                }
            } else {
                walker.add(w);
            }
        }
        restoredWalks = null;
        timers.restore();
        if (!walker.isEmpty()) {
            LOG.info(
                    "Instance {} resumes {} walks ({} answers on record since the checkpoint)",
                    instance,
                    walker.size(),
                    answers.size());
        }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<WalkPosition> positions = new ArrayList<>();
        walker.walks().forEach(w -> positions.addAll(w.positions()));
        if (retries != null) {
            retries.waiting().forEach(w -> positions.addAll(w.positions()));
        }
        positions.addAll(fireChecks.positions());
        walkState.update(positions);
        answers.snapshot();
        checkpointTime.snapshot(context);
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        answers.checkpointCompleted(this::firing);
    }

    /** The task is finishing: the walks stop where the last checkpoint (the stop's savepoint) has them. */
    @Override
    public void finish() throws Exception {
        walker.stop();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        // Iterators pin RocksDB resources and must be closed before the state backend is.
        if (walker != null) {
            walker.close();
        }
        if (retries != null) {
            retries.close();
        }
        if (fireChecks != null) {
            fireChecks.close();
        }
        if (room != null) {
            room.onRoom(null);
        }
        super.close();
    }

    // ---------------------------------------------------------------------------------------------
    // Inputs
    // ---------------------------------------------------------------------------------------------

    @Override
    public void processElement1(StreamRecord<UserUpdate> element) throws Exception {
        UserUpdate update = element.getValue();
        UserState u = users.value();
        if (u == null) {
            if (update.interaction != null) {
                return; // a user the job does not know (no device yet, or erased): nothing is kept of it
            }
            u = new UserState();
        }
        long now = now();
        if (update.send != null) {
            send(update.send, u, now);
            return;
        }
        if (update.interaction != null) {
            // An open or an app event, matched against the user's exposures in the user's state.
            Attribution.take(u.profile, update.interaction, campaigns::campaign, now)
                    .forEach(out::counted);
        } else {
            updates.apply(update, u, now);
        }
        users.update(u);
        written.note(update.userId(), !walker.isEmpty());
    }

    /**
     * A transactional send: this user's devices only, at once, however many users there are, unless
     * the app's runaway guard has capped the user.
     */
    private void send(CampaignEvent event, UserState state, long now) throws Exception {
        UserProfile user = state.profile;
        Collection<DeviceRecord> devices = state.live(now, settings.deviceTtl().toMillis());
        CampaignEntry entry = campaigns.get(event.campaignId);
        String unsigned = unsignedWhereRequired(event, entry);
        if (unsigned != null) {
            out.status(CampaignStatus.of(event.campaignId, StatusKind.REJECTED, unsigned, now()));
            return;
        }
        CampaignLife.Step step = CampaignLife.on(stateHere(event.campaignId, entry), CampaignEvent.Type.SEND);
        if (step.action != CampaignLife.Action.SEND) {
            out.status(CampaignStatus.of(
                    event.campaignId, StatusKind.REJECTED, step.error + " (user " + event.userId + ")", now()));
            return;
        }
        String skip = replay.skipRecord(event.timestamp, Boolean.TRUE.equals(entry.campaign.resumeOnReplay));
        if (skip != null) {
            out.status(CampaignStatus.of(
                    event.campaignId,
                    StatusKind.SKIPPED,
                    "send " + event.sendId + " to " + event.userId + ": " + skip,
                    now()));
            return;
        }
        UserLimits.Verdict verdict = settings.limitsOfSend(entry.campaign.appId).decide(user, now);
        PreparedCampaign.FanOutCount c = campaigns
                .prepared(event.campaignId, entry.campaign, now())
                .at(event.timestamp, event.sendId)
                .fanOut(event.userId, user, devices, request -> {
                    verdict.refuse(request);
                    request.answer = answers.take(request.notificationId);
                    out.request(request);
                });
        UserLimits.Settled settled = verdict.settle(c.targeted);
        List<Attribution.Counted> exposed =
                campaigns.prepared(event.campaignId, entry.campaign, now()).expose(user, c, event.timestamp);
        if (settled != UserLimits.Settled.UNCHANGED || !exposed.isEmpty()) {
            users.update(state);
            written.note(event.userId, !walker.isEmpty());
        }
        exposed.forEach(out::counted);
        if (settled == UserLimits.Settled.WRITE_AND_ALERT) {
            runawayAlerts.capped(event.campaignId, entry.campaign.appId, event.userId, verdict.refusal(), now);
        }
        String none = c.targeted > 0 ? null : nothingToSend(event, devices.size(), c);
        CampaignStatus s =
                CampaignStatus.of(event.campaignId, none == null ? StatusKind.SENT : StatusKind.SKIPPED, none, now());
        s.targeted = c.targeted;
        s.suppressed = c.suppressed;
        if (c.heldOut > 0) {
            s.heldOut = c.heldOut;
        }
        if (c.arm != null) {
            s.byArm = Map.of(c.arm, c.targeted);
        }
        if (verdict.limit() != null) {
            s.capped = c.targeted;
        }
        out.status(s);
    }

    /**
     * Why a send targeted no device: the user has none, is held out, none can receive it, or none is
     * in the audience.
     */
    private static String nothingToSend(CampaignEvent event, int devices, PreparedCampaign.FanOutCount c) {
        String why = devices == 0
                ? "the user has no device"
                : c.heldOut > 0
                        ? "the user is in the campaign's holdout (sent nothing, measured against)"
                        : c.suppressed > 0
                                ? "none of the user's " + devices
                                        + " devices can receive it (opted out, uninstalled or a dead token)"
                                : "none of the user's " + devices + " devices is in the campaign's audience";
        return "send " + event.sendId + " to " + event.userId + ": " + why;
    }

    /**
     * Why an unsigned record of a campaign is refused here, or null: its app, as the campaign table
     * holds it, takes signed records only. The gate ahead checks first; this holds even where the
     * gate's own idea of the campaign's app differs (a campaign it never saw created).
     */
    private String unsignedWhereRequired(CampaignEvent event, CampaignEntry entry) {
        if (entry == null || event.signedBy != null || !settings.requiresSigned(entry.campaign.appId)) {
            return null;
        }
        return event.type.name().toLowerCase(Locale.ROOT) + " refused: unsigned record: apps." + entry.campaign.appId
                + ".requireSigned";
    }

    @Override
    public void processElement2(StreamRecord<CampaignEvent> element) throws Exception {
        CampaignEvent event = element.getValue();
        String campaignId = event.campaignId;
        if (campaignId == null) {
            pauseOrResumeApp(event);
            return;
        }
        CampaignEntry entry = campaigns.get(campaignId);
        String unsigned = unsignedWhereRequired(event, entry);
        if (unsigned != null) {
            out.campaignWide(CampaignStatus.of(campaignId, StatusKind.REJECTED, unsigned, now()));
            return;
        }
        CampaignLife.Step step = CampaignLife.on(stateHere(campaignId, entry), event.type);
        String skip = null;
        if (step.action == CampaignLife.Action.WALK || step.action == CampaignLife.Action.SEND_WINNER) {
            // A winner read again by a replay is history as a fire is: its walk was (or was not) done.
            skip = replay.skipRecord(event.timestamp, Boolean.TRUE.equals(entry.campaign.resumeOnReplay));
            if (skip == null && event.timestamp < replay.startedAt()) {
                skip = answers.finishedEarlier(campaignId);
            }
        }
        if (skip != null) {
            // Read again by a replay and not acted on: history.
            if (step.action == CampaignLife.Action.SEND_WINNER) {
                entry.winner = entry.winner != null ? entry.winner : event.arm;
                entry.winnerAt = entry.winnerAt != null ? entry.winnerAt : event.timestamp;
                campaigns.put(campaignId, entry);
            } else {
                campaigns.markFired(campaignId, entry, event.timestamp);
            }
            out.campaignWide(CampaignStatus.of(campaignId, StatusKind.SKIPPED, skip, now()));
            return;
        }
        boolean guarded = step.action == CampaignLife.Action.WALK && settings.fireGuard(entry.campaign.appId) != null;
        if (step.status != null && step.status != StatusKind.CANCELLED && !guarded) {
            // (A guarded fire says fired only once its fire guard lets it go.)
            out.campaignWide(CampaignStatus.of(campaignId, step.status, step.error, now()));
        }
        switch (step.action) {
            case REMEMBER -> {
                // A fire being counted counted the old definition: it is dropped (fire it again).
                fireChecks.drop(campaignId);
                // Prepared now (segment, templates, payload skeletons), so that a fire starts sending at once.
                CampaignEntry created = CampaignEntry.created(event.campaign, event.timestamp);
                campaigns.remember(campaignId, created, now());
                timers.schedule(campaignId, created);
            }
            case WALK -> {
                if (guarded) {
                    // Counted first, over the whole job; the campaign stays created until its
                    // app's fire guard lets the fire go (a later fire record is a check of its own).
                    startCheck(WalkId.fireCheck(campaignId, event.timestamp), entry, event.confirmAudience);
                } else {
                    fireByHand(campaignId, entry, event.timestamp);
                }
            }
            case ESTIMATE -> {
                if (event.outcomes != null) {
                    startRetry(WalkId.retryEstimate(campaignId, event.timestamp), entry, event);
                } else {
                    startWalk(WalkId.estimate(campaignId, event.timestamp), entry, event.timestamp);
                }
            }
            case RETRY -> startRetry(WalkId.retry(campaignId, event.timestamp), entry, event);
            case STOP -> {
                entry.state = CampaignLife.State.CANCELLED;
                campaigns.put(campaignId, entry);
                cancel(campaignId);
            }
            case PAUSE -> {
                entry.paused = true;
                campaigns.put(campaignId, entry);
                out.request(SendRequest.control(SendRequest.Control.PAUSE, campaignId));
            }
            case RESUME -> {
                entry.paused = false;
                campaigns.put(campaignId, entry);
                out.request(SendRequest.control(SendRequest.Control.RESUME, campaignId));
                walker.resumed(now());
            }
            case SEND_WINNER -> sendWinner(campaignId, entry, event);
            case SEND_TO_SEEDS -> testOnSeeds(entry, event);
            case NONE, SEND -> {}
        }
    }

    /**
     * A tested campaign's winner (decided by its results, or named by hand): the users its test left
     * out get that arm, once.
     */
    private void sendWinner(String campaignId, CampaignEntry entry, CampaignEvent event) throws Exception {
        Campaign c = entry.campaign;
        String refusal = c.test == null
                ? "winner of a campaign without a test"
                : c.arms.stream().noneMatch(a -> a.name.equals(event.arm))
                        ? "winner names no arm of the campaign (" + event.arm + ")"
                        : null;
        if (refusal != null || entry.winner != null) {
            out.campaignWide(CampaignStatus.of(
                    campaignId,
                    refusal != null ? StatusKind.REJECTED : StatusKind.IGNORED,
                    refusal != null ? refusal : "its winner was sent already: arm " + entry.winner,
                    now()));
            return;
        }
        entry.winner = event.arm;
        entry.winnerAt = event.timestamp;
        campaigns.put(campaignId, entry);
        startWalk(WalkId.winner(campaignId, event.timestamp), entry, event.timestamp);
    }

    /** A test send to the app's seeds; one read again by a replay is history, as a send is. */
    private void testOnSeeds(CampaignEntry entry, CampaignEvent event) throws Exception {
        String skip = replay.skipRecord(event.timestamp, Boolean.TRUE.equals(entry.campaign.resumeOnReplay));
        if (skip != null) {
            out.campaignWide(CampaignStatus.of(
                    event.campaignId, StatusKind.SKIPPED, "test " + event.sendId + ": " + skip, now()));
            return;
        }
        seeds.test(
                event,
                entry,
                campaigns.prepared(event.campaignId, entry.campaign, now()).at(event.timestamp, null));
    }

    /**
     * A whole app paused or resumed: its campaigns' walks wait (or go on), and the deliveries hold
     * (or send) what waits of it, transactional sends included.
     */
    private void pauseOrResumeApp(CampaignEvent event) throws Exception {
        boolean pause = event.type == CampaignEvent.Type.PAUSE;
        if (pause == pauses.appPaused(event.appId)) {
            out.campaignWide(CampaignStatus.ofApp(
                    event.appId,
                    StatusKind.IGNORED,
                    pause ? "the app is already paused" : "the app is not paused",
                    now()));
            return;
        }
        if (pause) {
            pauses.pauseApp(event.appId, event.timestamp);
        } else {
            pauses.resumeApp(event.appId);
        }
        out.campaignWide(
                CampaignStatus.ofApp(event.appId, pause ? StatusKind.PAUSED : StatusKind.RESUMED, null, now()));
        out.request(
                SendRequest.controlApp(pause ? SendRequest.Control.PAUSE : SendRequest.Control.RESUME, event.appId));
        if (!pause) {
            walker.resumed(now());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Walks
    // ---------------------------------------------------------------------------------------------

    /** What a walk of the campaign is for, at the moment {@code at}. */
    private WalkPlan plan(WalkId id, CampaignEntry entry, long at) {
        Campaign campaign = entry.campaign;
        QuietHours quiet = id.kind() == WalkKind.RETRY ? null : settings.quietHoursOf(campaign);
        PreparedCampaign prepared = campaigns.prepared(id.campaignId(), campaign, now());
        if (campaign.test != null) {
            // The winner's walk, and the walk of the devices quiet hours held from it, send the winner
            // to the rest; a retry resends what each user was sent.
            if (id.isWinner() || (id.isHeld() && id.moment().equals(entry.winnerAt))) {
                prepared = prepared.winner(entry.winner);
            } else if (id.kind() == WalkKind.RETRY || id.kind() == WalkKind.RETRY_ESTIMATE) {
                prepared = prepared.asSent(entry.winner);
            }
        }
        // An update's priority under its app's budget, decided the same way on every instance.
        Integer priority = LiveActivityFires.priorityWithinBudget(
                entry, settings.urgentUpdateBudget(campaign.appId), campaigns.entries());
        PreparedCampaign timed = prepared.at(at, null);
        return new WalkPlan(
                id,
                at,
                priority == null ? timed : timed.withLivePriority(priority),
                quiet,
                entry.local(),
                settings.limitsOf(campaign));
    }

    /** The campaign fires now, by a fire record (or after its fire guard's check), at {@code at}. */
    private void fireByHand(String campaignId, CampaignEntry entry, long at) throws Exception {
        campaigns.markFiredByHand(campaignId, entry, at);
        startWalk(WalkId.fire(campaignId), entry, at);
    }

    /**
     * A fire of a campaign whose app has a fire guard: counted first by a walk on every instance
     * ({@link FireChecks}); it goes when the whole job's totals allow it ({@link #decide}).
     */
    private void startCheck(WalkId id, CampaignEntry entry, Long confirmAudience) {
        if (!fireChecks.underWay(id)) {
            long at = id.askedAt();
            fireChecks.start(Walk.start(id, plan(id, entry, at), walkContext, null), confirmAudience);
        }
    }

    /**
     * Starts a walk, unless it is under way. A schedule's fire of a campaign whose app has a fire
     * guard is checked first, as a fire record's is.
     */
    private void startWalk(WalkId id, CampaignEntry entry, long at) {
        if (walker.contains(id)) {
            return;
        }
        if (id.isScheduleCheck()) {
            startCheck(id, entry, null);
            return;
        }
        if (id.isWholeFire()
                && entry.state == CampaignLife.State.CREATED
                && settings.fireGuard(entry.campaign.appId) != null) {
            startCheck(WalkId.fireCheck(id.campaignId(), at), entry, null);
            return;
        }
        WalkPlan plan = plan(id, entry, at);
        if (id.kind() == WalkKind.FIRE
                && plan.campaign().livePriority() != plan.campaign().askedLivePriority()) {
            out.campaignWide(CampaignStatus.of(
                    id.campaignId(),
                    StatusKind.FIRED,
                    settings.urgentUpdateBudget(entry.campaign.appId).said(entry.campaign.liveActivity.activityId),
                    now()));
        }
        if (plan.campaign().sentToChannel()) {
            liveActivities.walk(id, plan.campaign(), entry, campaigns.entries()); // one request, no users to walk
            return;
        }
        Walk walk = Walk.start(id, plan, walkContext, null);
        if (id.isWholeFire()) {
            seeds.atFire(walk, entry); // the team's own phones first
        }
        walker.add(walk);
        if (id.kind() == WalkKind.FIRE && !id.isHeld()) {
            timers.registerHolds(id.campaignId(), entry, at);
        }
    }

    /**
     * A retry, or the estimate of one: its targets are read from the answers topic off the task
     * thread, then a walk hands the campaign out again (or counts) to them, with the same
     * notification ids, from the campaign's fire on.
     */
    private void startRetry(WalkId id, CampaignEntry entry, CampaignEvent event) {
        LiveActivity activity = entry.campaign.liveActivity;
        if (activity != null && activity.sentToChannel()) {
            out.campaignWide(CampaignStatus.of(
                    id.campaignId(),
                    StatusKind.REJECTED,
                    "a broadcast " + activity.event.wire() + " is one request to its channel: it is not retried"
                            + " (a newer update supersedes it on every device: create one)",
                    now()));
            return;
        }
        if (retries == null) {
            out.status(
                    CampaignStatus.of(id.campaignId(), StatusKind.REJECTED, "a retry needs the answers topic", now()));
            return;
        }
        if (id.kind() == WalkKind.RETRY_ESTIMATE && entry.firedAt == 0) {
            out.status(CampaignStatus.of(
                    id.campaignId(),
                    StatusKind.REJECTED,
                    "estimate of a retry of a campaign that was never fired",
                    now()));
            return;
        }
        if (walker.contains(id) || retries.contains(id)) {
            return;
        }
        retries.read(
                Walk.start(id, plan(id, entry, entry.firedAt), walkContext, new RetryTargets(event.outcomes)),
                this::retryReady);
    }

    private void retryReady(Walk walk, Throwable error) {
        if (error != null) {
            out.status(CampaignStatus.of(
                    walk.id().campaignId(),
                    StatusKind.REJECTED,
                    "retry could not read the answers topic: " + error,
                    now()));
            return;
        }
        walker.add(walk);
    }

    private void walkFinished(Walk w) {
        if (w.id().kind() == WalkKind.FIRE_CHECK) {
            out.status(w.finalStatus());
            fireChecks.counted(w);
            return;
        }
        if (w.id().kind() == WalkKind.FIRE && !firing(w.id().campaignId())) {
            answers.forget(w.id().campaignId());
        }
        if (walker.isEmpty()) {
            written.clear();
        }
        out.status(w.finalStatus());
    }

    /** Stops every walk of the campaign, says what this instance had handed out, and tells the deliveries. */
    private void cancel(String campaignId) {
        CampaignStatus s = CampaignStatus.of(campaignId, StatusKind.CANCELLED, null, now());
        s.subtask = instance;
        s.subtasks = instances;
        s.keyGroupsTotal = maxParallelism;
        Walk fire = walker.get(WalkId.fire(campaignId));
        if (fire != null) {
            fire.count(s);
            s.usersExpected = fire.usersExpected();
        }
        walker.cancel(campaignId);
        fireChecks.drop(campaignId);
        if (retries != null) {
            retries.cancel(campaignId);
        }
        answers.forget(campaignId);
        campaigns.forgetPrepared(campaignId);
        out.status(s);
        out.request(SendRequest.control(SendRequest.Control.CANCEL, campaignId));
    }

    /**
     * Whether a fire of the campaign (any of its moments, for a local-time schedule) is walking here,
     * or being counted for its app's fire guard.
     */
    private boolean firing(String campaignId) {
        for (Walk w : walker.walks()) {
            if ((w.id().kind() == WalkKind.FIRE || w.id().kind() == WalkKind.FIRE_CHECK)
                    && w.id().campaignId().equals(campaignId)) {
                return true;
            }
        }
        return fireChecks.waits(campaignId);
    }

    /**
     * The whole job's count for a fire its app's fire guard checks (in the task's mailbox): every
     * instance decides the same way, to start the fire or to refuse it. A refused campaign is as if
     * never fired: a fire that confirms its audience may follow.
     */
    @Override
    public void handleOperatorEvent(OperatorEvent event) {
        if (event instanceof FireCheckEvents.Totals totals) {
            try {
                Walk check = fireChecks.decide(totals);
                if (check != null) {
                    fireChecked(check);
                }
            } catch (Exception e) {
                throw new FlinkRuntimeException(
                        "could not decide on the fire of " + totals.check().campaignId(), e);
            }
        }
    }

    /** A fire its app's fire guard let go: fired, it walks the key groups its check counted here. */
    private void fireChecked(Walk check) throws Exception {
        String campaignId = check.id().campaignId();
        CampaignEntry entry = campaigns.get(campaignId);
        out.campaignWide(CampaignStatus.of(campaignId, StatusKind.FIRED, null, now()));
        if (check.id().isScheduleCheck()) {
            timers.momentsDue(campaignId);
            return;
        }
        WalkId fire = WalkId.fire(campaignId);
        if (!walker.contains(fire)) {
            // Over the key groups the check counted here: after a rescale, others may hold the rest.
            long at = check.id().askedAt();
            WalkPlan plan = plan(fire, entry, at);
            if (plan.campaign().sentToChannel()) {
                liveActivities.walk(fire, plan.campaign(), entry, campaigns.entries());
                return;
            }
            Walk walk = Walk.startOver(fire, plan, walkContext, null, check.keyGroups());
            seeds.atFire(walk, entry);
            walker.add(walk);
            timers.registerHolds(campaignId, entry, at);
        }
    }

    /** This instance's view of a campaign's state (null: unknown). */
    private CampaignLife.State stateHere(String campaignId, CampaignEntry entry) {
        return entry == null ? null : entry.state.onThisInstance(firing(campaignId));
    }

    private long now() {
        return getProcessingTimeService().getCurrentProcessingTime();
    }
}
