package io.herald.delivery;

import com.netflix.concurrency.limits.Limit;
import io.herald.budget.BudgetAccount;
import io.herald.budget.SendBudget;
import io.herald.coordination.CoordinatedOperator;
import io.herald.kafka.AnswerLog;
import io.herald.kafka.CheckpointTime;
import io.herald.model.Answer;
import io.herald.model.Outcome;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.Timer;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.graph.StreamConfig;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.streaming.runtime.tasks.StreamTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers notifications to one {@link Provider}, without ever blocking the task, and writes a
 * {@link Receipt} for each: the skeleton APNs and FCM share.
 *
 * <ul>
 *   <li><b>Bounded, and never blocking.</b> At most a window of notifications are started and not
 *       yet receipted (never more than {@code maxInFlight}; within it, {@link Concurrency} finds
 *       the window from the provider's round trips) (at the provider, waiting for a retry or a rate slot, or waiting for
 *       their answer to be on record). The operator tells the task's {@link DeliveryRoom} how much
 *       room it has, and the fan-out's walker hands out only while there is some, so a full window
 *       stops the walk instead of blocking the task (and holds back no other provider). What
 *       comes while the window is full (a user's further devices, transactional sends, requests
 *       restored from a checkpoint) waits in a queue of at most {@code maxInFlight} more (urgent
 *       ones first: {@link StartQueue}) and starts
 *       as places free up; past that, a request is not sent and gets a {@code failed} receipt
 *       saying the queue was full (a retry of the campaign sends it). Nothing on the task thread
 *       waits for room.
 *   <li><b>Answers on record before receipts.</b> Each answer goes to the {@link AnswerLog} the
 *       moment it arrives; the notification counts as in flight until it is recorded. A restored
 *       job reads the log back and does not send again what was answered since its checkpoint,
 *       whether the fan-out hands it out again ({@link SendRequest#answer} set) or it was in flight
 *       here at the checkpoint: what a crash can still duplicate is what the provider received but
 *       whose answer died with the process, at most {@code maxInFlight} per instance.
 *   <li><b>Cancels overtake.</b> A {@link SendRequest.Control#CANCEL} element is acted on as it
 *       arrives, whatever the bound: nothing more of the campaign starts toward the provider, and
 *       what waits for a retry or a rate slot gets a {@code cancelled} receipt at once.
 *   <li><b>Pauses hold.</b> A {@link SendRequest.Control#PAUSE} of a campaign or a whole app
 *       starts nothing more of it: what waits is held ({@link Held}, bounded, in every checkpoint
 *       with the notifications in flight), what waits in the window is taken back, and a
 *       {@link SendRequest.Control#RESUME} sends it all once. A held notification that expires gets
 *       its {@code expired} receipt within a second.
 *   <li><b>Budgets over the whole job.</b> Each attempt waits for a slot of its account's rate
 *       ({@link RateSlots}: an FCM project, an APNs app with a budget), urgent ones first. The
 *       instance's share of each budget starts even and then follows what it asks: it reports to
 *       the delivery's {@link BudgetCoordinator} every {@link #REPORT_EVERY_MS} ms, which lends an
 *       idle instance's share to busy ones ({@link DeliveryOperatorFactory} connects the two).
 *   <li><b>A clean stop.</b> On close (a stop with a savepoint, say) no attempt starts, and the
 *       operator waits a bounded time for the answers of attempts at the provider, so that they
 *       are on record and a job started from the savepoint does not send them again.
 * </ul>
 *
 * <p>Refused before sending, with a receipt and no request: what {@link Preflight} refuses (what
 * the fan-out refused, what expired, cancelled campaigns, apps without credentials here, apps whose
 * credentials the provider refused). Transient failures are retried ({@link RetryingSender}); a
 * request written to the provider whose answer never came is receipted {@code unconfirmed} and
 * not retried. Nothing here is particular to a provider: a new one is a {@link Provider}.
 */
public final class DeliveryOperator extends AbstractStreamOperator<Receipt>
        implements OneInputStreamOperator<SendRequest, Receipt>, BoundedOneInput, CoordinatedOperator {
    private static final long serialVersionUID = 1L;
    /** However hard a provider throttles, a little keeps flowing so that recovery is noticed. */
    static final double MIN_RATE = 10;

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryOperator.class);

    private static final ListStateDescriptor<SendRequest> IN_FLIGHT =
            new ListStateDescriptor<>("in-flight", TypeInformation.of(SendRequest.class));
    private static final ListStateDescriptor<String> CANCELLED =
            new ListStateDescriptor<>("cancelled-campaigns", Types.STRING);
    private static final ListStateDescriptor<String> PAUSED_CAMPAIGNS =
            new ListStateDescriptor<>("paused-campaigns", Types.STRING);
    private static final ListStateDescriptor<String> PAUSED_APPS =
            new ListStateDescriptor<>("paused-apps", Types.STRING);
    /** How many notifications of paused campaigns and apps an instance holds, in windows. */
    static final int HELD_WINDOWS = 10;
    /** How often held notifications are looked at for expiry. */
    static final long EXPIRY_SWEEP_MS = 1000;

    /**
     * The most seconds of its account's rate a notification may have to wait for its slot when it
     * starts: the walk is handed no more than that ahead, so that a pause has little to take back, an
     * urgent send little to overtake, and nothing waits past its time limit at a small rate.
     */
    static final double RATE_AHEAD_SECONDS = 1.0;

    /** How often an instance tells its {@link BudgetCoordinator} what it asks of each budget. */
    public static final long REPORT_EVERY_MS = 250;

    private final Provider provider;
    private final DeliverySettings settings;
    private final AnswerLog answerLog;
    private transient MailboxExecutor mailbox;

    private transient EventLoopGroup eventLoop;
    private transient Timer timer;
    private transient Provider.Session session;
    private transient RetryingSender sender;
    private transient AccountSlots slots;
    /** Where demands are reported, or null when no coordinator is connected (an operator test): shares stay even. */
    private transient OperatorEventGateway coordinator;

    private transient CredentialStop credentialStop;
    /** What is refused before sending, the cancelled campaigns included: touched on the task thread only. */
    private transient Preflight preflight;

    private transient DeliveryMetrics metrics;
    /** How many may be in flight now, never above {@code maxInFlight}; fed from any thread. */
    private transient Limit window;

    private transient AnswerLog.Writer log;
    /** Notifications started and not yet receipted: touched on the task thread only. */
    private transient Set<InFlight> inFlight;
    /** Notifications taken while the window was full, oldest first: touched on the task thread only. */
    private transient StartQueue waiting;

    private transient DeliveryRoom room;
    private transient StreamRecord<Receipt> out;

    private transient ListState<SendRequest> inFlightState;
    private transient ListState<String> cancelledState;
    private transient ListState<String> pausedCampaignsState;
    private transient ListState<String> pausedAppsState;
    /** Notifications of paused campaigns and apps: touched on the task thread only. */
    private transient Held held;

    private transient boolean sweepScheduled;
    private transient CheckpointTime checkpointTime;
    private transient List<SendRequest> restored;

    /**
     * @param answerLog where answers are recorded, or null for none (then a restore may resend what
     *     was answered since the checkpoint)
     */
    public DeliveryOperator(Provider provider, DeliverySettings settings, AnswerLog answerLog) {
        this.provider = provider;
        this.settings = settings;
        this.answerLog = answerLog;
    }

    @Override
    protected void setup(StreamTask<?, ?> containingTask, StreamConfig config, Output<StreamRecord<Receipt>> output) {
        super.setup(containingTask, config, output);
        // The task's mailbox, to hand answers back to the task thread.
        mailbox = containingTask.getMailboxExecutorFactory().createExecutor(config.getChainIndex());
        room = DeliveryRoom.of(containingTask);
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        inFlightState = context.getOperatorStateStore().getListState(IN_FLIGHT);
        cancelledState = context.getOperatorStateStore().getUnionListState(CANCELLED);
        pausedCampaignsState = context.getOperatorStateStore().getUnionListState(PAUSED_CAMPAIGNS);
        pausedAppsState = context.getOperatorStateStore().getUnionListState(PAUSED_APPS);
        held = new Held(settings.maxInFlight * HELD_WINDOWS);
        checkpointTime = CheckpointTime.of(context);
        credentialStop = new CredentialStop();
        preflight = new Preflight(provider.displayName(), appId -> session.serves(appId), credentialStop);
        restored = new ArrayList<>();
        if (context.isRestored()) {
            inFlightState.get().forEach(restored::add);
            cancelledState.get().forEach(preflight::cancel);
            held.restorePaused(pausedCampaignsState.get(), pausedAppsState.get());
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        String name = provider.id();
        int instance = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        eventLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("herald-" + name, true));
        timer = RetryingSender.newTimer("herald-" + name);
        int instances = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        session = provider.connect(eventLoop, instances);
        slots = new AccountSlots(provider.budgets(), instances, MIN_RATE, eventLoop);
        sender = new RetryingSender(settings.retryPolicy, eventLoop, slots, timer, settings.timeoutMs);
        metrics = new DeliveryMetrics(getRuntimeContext().getMetricGroup(), sender, credentialStop);
        log = answerLog == null ? null : answerLog.writer("herald-answers-" + name + "-" + instance);
        window = settings.concurrency.limit(provider.maxInFlight(settings.maxInFlight));
        metrics.window(window::getLimit);
        metrics.budgets(slots);
        inFlight = new LinkedHashSet<>();
        waiting = new StartQueue();
        out = new StreamRecord<>(null);
        room.register(
                provider.platform(),
                () -> Math.min(window.getLimit() - inFlight.size() - waiting.size(), slots.room(RATE_AHEAD_SECONDS)));
        if (coordinator != null && !slots.budgets().isEmpty()) {
            getProcessingTimeService()
                    .scheduleWithFixedDelay(
                            t -> coordinator.sendEventToCoordinator(
                                    new BudgetEvents.DemandReport(slots.demands(System.nanoTime()))),
                            REPORT_EVERY_MS,
                            REPORT_EVERY_MS);
        }
        resendRestored();
    }

    /** The send budgets of this delivery's provider, by account: what its coordinator keeps whole. */
    Map<BudgetAccount, SendBudget> budgets() {
        Map<BudgetAccount, SendBudget> budgets = new LinkedHashMap<>();
        provider.budgets().values().forEach(b -> budgets.put(b.account(), b));
        return budgets;
    }

    /** Connects this instance to its budget coordinator; before {@link #open}. */
    @Override
    public void reportTo(OperatorEventGateway gateway) {
        this.coordinator = gateway;
    }

    /** A new share of some budgets, from the coordinator (in the task's mailbox). */
    @Override
    public void handleOperatorEvent(OperatorEvent event) {
        if (event instanceof BudgetEvents.ShareGrant grant && slots != null) {
            slots.share(grant.shares);
        }
    }

    /**
     * The notifications in flight at the checkpoint go out again, except those whose answer came
     * (and was recorded) after it: their receipts are written from the record.
     */
    private void resendRestored() throws Exception {
        if (restored.isEmpty()) {
            restored = null;
            return;
        }
        Map<String, Answer> answered = Map.of();
        if (answerLog != null && checkpointTime.restored() >= 0) {
            Set<String> ids = new HashSet<>();
            restored.forEach(r -> ids.add(r.notificationId));
            answered =
                    answerLog.read(checkpointTime.restored() - AnswerLog.SKEW_MS, a -> ids.contains(a.notificationId));
        }
        LOG.info(
                "{} notifications were in flight at the checkpoint; {} of them were answered since",
                restored.size(),
                answered.size());
        List<SendRequest> again = restored;
        restored = null;
        for (SendRequest r : again) {
            Answer a = answered.get(r.notificationId);
            if (a != null) {
                r.answer = a;
            }
            if (r.answer == null && held.holds(r)) {
                held.add(r, System.currentTimeMillis()); // still paused: held, as it was at the checkpoint
                scheduleExpirySweep();
                continue;
            }
            if (r.answer != null || inFlight.size() < window.getLimit()) {
                start(r);
            } else {
                waiting.add(r); // what the checkpoint held, however much: it is in memory already
            }
        }
    }

    @Override
    public void processElement(StreamRecord<SendRequest> element) throws Exception {
        SendRequest request = element.getValue();
        if (request.control != null) {
            control(request);
            return;
        }
        accept(request);
    }

    private void accept(SendRequest request) {
        if (request.answer == null && held.holds(request)) {
            if (held.offer(request, System.currentTimeMillis())) {
                scheduleExpirySweep();
            } else {
                refuse(request, preflight.heldFull(request, held.limit(), System.currentTimeMillis()));
            }
            return;
        }
        if (request.answer == null && inFlight.size() >= window.getLimit()) {
            if (waiting.size() < settings.maxInFlight) {
                waiting.add(request);
            } else {
                refuse(request, preflight.queueFull(request, waiting.size(), System.currentTimeMillis()));
            }
            return;
        }
        start(request);
    }

    /** Starts {@code request} toward the provider, or receipts it at once if it is not to be sent. */
    private void start(SendRequest request) {
        long now = System.currentTimeMillis();
        // Answered by an earlier run (on record): its receipt, from the record, and no request.
        Receipt refused = request.answer != null ? request.answer.receipt(request) : preflight.refuse(request, now);
        if (refused != null) {
            refuse(request, refused);
            return;
        }
        InFlight f = new InFlight(request);
        inFlight.add(f);
        f.flight = sender.send(request, this::attempt, sender.deadline(request, now), receipt -> answered(f, receipt));
    }

    private void refuse(SendRequest request, Receipt refused) {
        if (log != null && request.answer == null) {
            // On record too (expired, cancelled, refused), for retries and restores; nobody waits on it.
            log.append(Answer.of(refused), () -> {});
        }
        emit(metrics.count(refused));
    }

    /** Places freed: the waiting start, and the walker hears of the room left. */
    private void startWaiting() {
        int limit = window.getLimit();
        while (!waiting.isEmpty() && inFlight.size() < limit && mayStart(waiting.peek())) {
            start(waiting.poll());
        }
        if (inFlight.size() + waiting.size() < limit && slots.room(RATE_AHEAD_SECONDS) > 0) {
            room.freed();
        }
    }

    /**
     * Whether a waiting notification may start: answered ones need no slot, urgent ones overtake
     * whatever waits for a slot, bulk ones not more than a second of the rate ahead.
     */
    private boolean mayStart(SendRequest r) {
        return r.answer != null || r.urgent || slots.forApp(r.appId).room(RATE_AHEAD_SECONDS) > 0;
    }

    private CompletableFuture<ProviderReply> attempt(Attempt attempt) {
        long sentAt = metrics.started();
        int atProvider = sender.atProvider();
        String appId = attempt.request().appId;
        return session.send(attempt)
                .whenComplete((reply, error) -> {
                    long roundTrip = metrics.latency(sentAt);
                    // No answer, or a 429 or 5xx: the provider (or the way there) pushes back.
                    boolean pushedBack = error != null || reply.receipt.outcome == Outcome.FAILED;
                    window.onSample(sentAt, roundTrip, atProvider, pushedBack);
                })
                .thenApply(reply -> {
                    if (reply.credentialsRefused) {
                        Receipt r = reply.receipt;
                        credentialStop.stop(appId, r.providerStatus + " " + r.reason);
                        r.reason = credentialStop.reason(appId);
                    }
                    return reply;
                });
    }

    /** A final receipt, on any thread: on record first, then out. */
    private void answered(InFlight f, Receipt receipt) {
        metrics.count(receipt);
        if (log != null) {
            log.append(Answer.of(receipt), () -> finished(f, receipt));
        } else {
            finished(f, receipt);
        }
    }

    private void finished(InFlight f, Receipt receipt) {
        try {
            mailbox.execute(
                    () -> {
                        inFlight.remove(f);
                        emit(receipt);
                        startWaiting();
                    },
                    "receipt");
        } catch (RejectedExecutionException closing) {
            // The task is closing: the answer is on record, and the receipt comes from it after a restore.
        }
    }

    private void emit(Receipt receipt) {
        output.collect(out.replace(receipt));
    }

    private void control(SendRequest control) {
        if (control.control == SendRequest.Control.PAUSE) {
            pause(control);
        } else if (control.control == SendRequest.Control.RESUME) {
            waiting.addAll(held.resume(
                    control,
                    System.currentTimeMillis())); // in memory already, however many: the window takes them in turn
            startWaiting();
        } else if (control.control == SendRequest.Control.CANCEL) {
            preflight.cancel(control.campaignId);
            for (SendRequest r : held.cancel(control.campaignId, System.currentTimeMillis())) {
                refuse(r, preflight.cancelled(r));
            }
            for (Iterator<SendRequest> it = waiting.iterator(); it.hasNext(); ) {
                SendRequest r = it.next();
                if (control.campaignId.equals(r.campaignId) && r.answer == null) {
                    it.remove();
                    refuse(r, preflight.cancelled(r));
                }
            }
            for (InFlight f : new ArrayList<>(inFlight)) {
                if (control.campaignId.equals(f.request.campaignId)) {
                    f.flight.cancel(() -> preflight.cancelled(f.request));
                }
            }
        }
    }

    /**
     * A campaign or app paused: nothing more of it starts. What waits for room is held; what waits
     * in the window (for a rate slot or a retry) is taken back and held; what is at the provider
     * keeps its answer, and is held instead of tried again if that answer is a transient failure.
     */
    private void pause(SendRequest control) {
        held.pause(control);
        int fromQueue = 0;
        for (Iterator<SendRequest> it = waiting.iterator(); it.hasNext(); ) {
            SendRequest r = it.next();
            if (r.answer == null && held.holds(r)) {
                it.remove();
                held.add(r, System.currentTimeMillis());
                fromQueue++;
            }
        }
        int recalled = 0;
        for (InFlight f : new ArrayList<>(inFlight)) {
            if (f.request.answer == null && held.holds(f.request)) {
                f.flight.recall(() -> takenBack(f));
                recalled++;
            }
        }
        LOG.info(
                "{} paused: {} held from the queue, {} taken back from the window (those at the provider keep their "
                        + "answers); {} attempts were at the provider, {} started since the task started",
                control.campaignId != null ? "campaign " + control.campaignId : "app " + control.appId,
                fromQueue,
                recalled,
                sender.atProvider(),
                sender.started());
        scheduleExpirySweep();
    }

    /**
     * A notification taken back by a pause, on any thread: held, in the task thread, unless the pause
     * was lifted meanwhile.
     */
    private void takenBack(InFlight f) {
        try {
            mailbox.execute(
                    () -> {
                        if (inFlight.remove(f)) {
                            if (held.holds(f.request)) {
                                held.add(f.request, System.currentTimeMillis());
                                scheduleExpirySweep();
                            } else {
                                waiting.add(f.request); // resumed before it came back: it waits for room as others do
                            }
                            startWaiting();
                        }
                    },
                    "taken back");
        } catch (RejectedExecutionException closing) {
            // The task is closing: the notification is in flight in the last checkpoint, and held after a restore.
        }
    }

    /** While anything is held, its expiry is looked at every second: an expired one gets its receipt then. */
    private void scheduleExpirySweep() {
        if (sweepScheduled || held.size() == 0) {
            return;
        }
        sweepScheduled = true;
        ProcessingTimeService time = getProcessingTimeService();
        time.registerTimer(time.getCurrentProcessingTime() + EXPIRY_SWEEP_MS, t -> {
            sweepScheduled = false;
            long now = System.currentTimeMillis();
            for (SendRequest r : held.expired(now)) {
                refuse(r, preflight.refuse(r, now));
            }
            scheduleExpirySweep();
        });
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<SendRequest> requests = new ArrayList<>(inFlight.size() + waiting.size() + held.size());
        inFlight.forEach(f -> requests.add(f.request));
        requests.addAll(waiting);
        held.requests().forEach(requests::add);
        inFlightState.update(requests);
        cancelledState.update(preflight.cancelledCampaigns());
        pausedCampaignsState.update(held.pausedCampaigns());
        pausedAppsState.update(held.pausedApps());
        checkpointTime.snapshot(context);
    }

    /**
     * The end of a bounded input (a drain): every notification is answered first. This is the one
     * wait in the mailbox, as in Flink's {@code AsyncWaitOperator}: it runs while the mailbox still
     * takes mail (the answers' mails), never in the final drain of a stop, which calls no
     * {@code endInput}.
     */
    @Override
    public void endInput() throws Exception {
        while (!inFlight.isEmpty() || !waiting.isEmpty()) {
            mailbox.yield();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (sender != null) {
                sender.close();
                awaitAnswersOnRecord();
            }
        } finally {
            if (room != null) {
                room.unregister(provider.platform());
            }
            closeQuietly(log);
            closeQuietly(session);
            if (timer != null) {
                timer.stop();
            }
            if (eventLoop != null) {
                eventLoop.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
            }
            super.close();
        }
    }

    /**
     * Waits, at most {@code closeWaitMs}, for attempts at the provider to be answered and their
     * answers recorded. Closing is the one place the task thread waits: nothing else runs on it now.
     */
    private void awaitAnswersOnRecord() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.closeWaitMs);
        while ((sender.atProvider() > 0 || (log != null && log.pending() > 0)) && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(5);
        }
        if (sender.atProvider() > 0) {
            LOG.warn("Closed with {} attempts still at the provider: a restore sends them again", sender.atProvider());
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("Could not close {}: {}", c, e.toString());
        }
    }

    /** One notification between arrival and receipt (identity counts: ids may repeat across sends). */
    private static final class InFlight {
        final SendRequest request;
        RetryingSender.Flight flight;

        InFlight(SendRequest request) {
            this.request = request;
        }
    }
}
