package io.herald.job.fanout.walk;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;

/**
 * Runs this instance's walks, one mail of the task's mailbox at a time: each mail takes a bounded
 * step of every walk that may go on (at most {@code chunkMillis}), then queues the next mail, or a
 * timer for a paced walk, or nothing until a delivery has room. Between two mails the task takes
 * in records, checkpoint barriers and cancels. A mail never waits: a stop's final drain, whose
 * mailbox refuses new mail, runs a queued mail to its end and queues nothing.
 */
public final class Walker {
    private final MailboxExecutor mailbox;
    private final ProcessingTimeService time;
    private final long chunkMillis;
    private final Consumer<Walk> finished;
    /** Whether a walk that hands out is held by a pause: it keeps its place and takes no step. */
    private final Predicate<WalkId> paused;
    /** Walks under way, in the order they take turns. */
    private final LinkedHashMap<WalkId, Walk> walks = new LinkedHashMap<>();

    private boolean queued;
    private boolean waitingForRoom;
    /** The task is finishing: nothing more is walked (the walks' positions are in its last checkpoint). */
    private boolean stopped;

    private long timerAt;

    /**
     * @param finished told of each walk that has walked all of its users, after it is closed
     * @param paused whether the campaign of a walk is paused (its own pause or its app's): such a walk,
     *     if it hands out, waits where it is until {@link #resumed}
     */
    public Walker(
            MailboxExecutor mailbox,
            ProcessingTimeService time,
            long chunkMillis,
            Consumer<Walk> finished,
            Predicate<WalkId> paused) {
        this.mailbox = mailbox;
        this.time = time;
        this.chunkMillis = chunkMillis;
        this.finished = finished;
        this.paused = paused;
    }

    /** A pause ended: the walks it held go on, at their pace from now. */
    public void resumed(long now) {
        walks.values().forEach(w -> {
            if (w.id().kind().handsOut() && !paused.test(w.id())) {
                w.resumed(now);
            }
        });
        queue();
    }

    public boolean isEmpty() {
        return walks.isEmpty();
    }

    public int size() {
        return walks.size();
    }

    public boolean contains(WalkId id) {
        return walks.containsKey(id);
    }

    public Walk get(WalkId id) {
        return walks.get(id);
    }

    public Collection<Walk> walks() {
        return walks.values();
    }

    /** Adds a walk; it takes its first step in the next mail. */
    public void add(Walk walk) {
        walks.put(walk.id(), walk);
        queue();
    }

    /** Stops and forgets the walks of {@code campaignId}. */
    public void cancel(String campaignId) {
        cancelKind(campaignId, null);
    }

    /** Stops and forgets the walks of {@code campaignId} of {@code kind} (null: of every kind). */
    public void cancelKind(String campaignId, WalkKind kind) {
        cancelIf(campaignId, id -> kind == null || id.kind() == kind);
    }

    /** Stops and forgets the walks of {@code campaignId} that {@code which} picks. */
    public void cancelIf(String campaignId, Predicate<WalkId> which) {
        for (var it = walks.values().iterator(); it.hasNext(); ) {
            Walk w = it.next();
            if (w.id().campaignId().equals(campaignId) && which.test(w.id())) {
                w.close();
                it.remove();
            }
        }
    }

    /** A delivery has room again: a walk that waited for it goes on. */
    public void roomFreed() {
        if (waitingForRoom) {
            waitingForRoom = false;
            queue();
        }
    }

    /**
     * The task is finishing (a stop with a savepoint, the end of the input): nothing more is walked.
     * A mail queued before runs in the task's final drain and does nothing; what the walks would hand
     * out next is in the savepoint's positions, and goes out from there after a restore.
     */
    public void stop() {
        stopped = true;
    }

    /** Queues the next step, unless one is queued. */
    public void queue() {
        if (queued || stopped) {
            return;
        }
        queued = true;
        try {
            mailbox.execute(this::step, "walk campaigns");
        } catch (RejectedExecutionException closing) {
            queued = false; // the task is ending; the walks' positions are in its last checkpoint
        }
    }

    private void step() throws Exception {
        queued = false;
        if (stopped) {
            return;
        }
        long deadline = System.nanoTime() + chunkMillis * 1_000_000;
        long now = time.getCurrentProcessingTime();
        boolean more = false;
        boolean noRoom = false;
        long next = Long.MAX_VALUE;
        // The walk that handed out least for its weight goes first: it takes the room there is, so
        // campaigns share an instance's deliveries by weight, and none starves.
        // (A step runs each time a delivery frees room: with one walk, as most often, nothing to sort.)
        List<Walk> turns = new ArrayList<>(walks.values());
        if (turns.size() > 1) {
            Map<Walk, Double> share = new HashMap<>();
            turns.forEach(w -> share.put(w, w.handedOut() / (double) w.weight()));
            turns.sort(Comparator.comparingDouble(share::get));
        }
        for (Walk w : turns) {
            if (!walks.containsKey(w.id())) {
                continue;
            }
            if (w.id().kind().handsOut() && paused.test(w.id())) {
                w.waiting(WalkWaits.Reason.PAUSE, now);
                continue;
            }
            if (System.nanoTime() > deadline || w.resumeAt() > now) {
                more |= w.resumeAt() <= now;
                next = Math.min(next, Math.max(w.resumeAt(), now));
                continue;
            }
            Walk.Progress p = w.step(deadline);
            w.waiting(
                    switch (p) {
                        case PACED -> WalkWaits.Reason.PACE;
                        case NO_ROOM -> WalkWaits.Reason.DELIVERIES;
                        case DONE, MORE -> null;
                    },
                    time.getCurrentProcessingTime());
            walks.remove(w.id());
            switch (p) {
                case DONE -> {
                    w.close();
                    finished.accept(w);
                    continue;
                }
                case MORE -> more = true;
                case PACED -> next = Math.min(next, w.resumeAt());
                case NO_ROOM -> noRoom = true;
            }
            walks.put(w.id(), w); // the next step starts with another walk
        }
        long after = time.getCurrentProcessingTime();
        walks.values().forEach(w -> w.maybeReportProgress(after));
        if (more) {
            queue();
        } else if (next != Long.MAX_VALUE) {
            timer(next);
        }
        waitingForRoom = noRoom;
    }

    private void timer(long at) {
        if (timerAt != 0 && timerAt <= at) {
            return;
        }
        timerAt = at;
        time.registerTimer(at, t -> {
            timerAt = 0;
            queue();
        });
    }

    /** Releases every walk's stored users (before the state backend closes). */
    public void close() {
        walks.values().forEach(Walk::close);
    }

    /** The walks under way by id, for the checkpoint. */
    public Map<WalkId, Walk> byId() {
        return walks;
    }
}
