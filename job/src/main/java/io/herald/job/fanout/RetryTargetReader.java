package io.herald.job.fanout;

import io.herald.job.fanout.walk.RetryTargets;
import io.herald.job.fanout.walk.Walk;
import io.herald.job.fanout.walk.WalkId;
import io.herald.kafka.AnswerLog;
import io.herald.model.Answer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.apache.flink.api.common.operators.MailboxExecutor;

/**
 * Which devices a retry (or its estimate) is for: the campaign's answers are read from the answers
 * topic off the task thread, on one thread of its own (from the fire on, this instance's users
 * only), and the walk is handed back to the task thread with its targets. Walks waiting for their
 * targets are checkpointed with the others; after a restore their targets are read again.
 */
final class RetryTargetReader implements AutoCloseable {
    private final AnswerLog answers;
    private final MailboxExecutor mailbox;
    private final Predicate<String> mine;
    /** Walks whose targets are being read. */
    private final Map<WalkId, Walk> waiting = new HashMap<>();

    private ExecutorService reader;

    RetryTargetReader(AnswerLog answers, MailboxExecutor mailbox, Predicate<String> mine) {
        this.answers = answers;
        this.mailbox = mailbox;
        this.mine = mine;
    }

    boolean contains(WalkId id) {
        return waiting.containsKey(id);
    }

    Iterable<Walk> waiting() {
        return waiting.values();
    }

    /**
     * Reads the targets of {@code walk}; then, on the task thread, {@code ready} takes the walk, or
     * the reason the answers could not be read.
     */
    void read(Walk walk, BiConsumer<Walk, Throwable> ready) {
        waiting.put(walk.id(), walk);
        String campaignId = walk.id().campaignId();
        RetryTargets targets = walk.targets();
        long from = walk.plan().at() - AnswerLog.SKEW_MS;
        CompletableFuture.supplyAsync(
                        () -> answers.read(from, a -> campaignId.equals(a.campaignId) && mine.test(a.userId)), reader())
                .whenComplete((found, error) -> {
                    try {
                        mailbox.execute(
                                () -> {
                                    if (waiting.remove(walk.id()) == null) {
                                        return; // cancelled meanwhile
                                    }
                                    if (error == null) {
                                        targets.found(targetsOf(found, targets));
                                    }
                                    ready.accept(walk, error);
                                },
                                "start retry");
                    } catch (RejectedExecutionException closing) {
                        // The job is stopping: the walk's position is in the checkpoint, and its targets are read
                        // again.
                    }
                });
    }

    private static Set<String> targetsOf(Map<String, Answer> answers, RetryTargets targets) {
        Set<String> ids = new HashSet<>();
        answers.values().forEach(a -> {
            if (targets.wants(a.outcome)) {
                ids.add(a.notificationId);
            }
        });
        return ids;
    }

    /** Forgets the walks of {@code campaignId} whose targets are being read (cancelled). */
    void cancel(String campaignId) {
        waiting.values().removeIf(w -> w.id().campaignId().equals(campaignId));
    }

    private ExecutorService reader() {
        if (reader == null) {
            reader = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "herald-retry-reader");
                t.setDaemon(true);
                return t;
            });
        }
        return reader;
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.shutdownNow();
        }
    }
}
