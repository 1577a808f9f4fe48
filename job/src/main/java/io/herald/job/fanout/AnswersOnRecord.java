package io.herald.job.fanout;

import io.herald.job.functions.Descriptors;
import io.herald.kafka.EarlierRuns;
import io.herald.model.Answer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.OperatorStateStore;

/**
 * What earlier runs of the job did since the checkpoint this instance was restored from: the
 * providers' answers (so what is handed out again carries its answer and is not sent again) and the
 * campaigns a later run finished (so a replay does not send them again). Read once at a restore;
 * the answers of this instance's users are checkpointed until the walks that need them end.
 */
public final class AnswersOnRecord {
    /** Checkpoints after a restore for which the answers of transactional sends are kept. */
    private static final int CHECKPOINTS_KEEPING_SEND_ANSWERS = 3;

    private final ListState<Answer> state;
    private final Map<String, Answer> answered = new HashMap<>();
    /** Campaigns an earlier run finished, with why none of it is sent again. */
    private final Map<String, String> finishedEarlier = new HashMap<>();

    private int checkpointsSinceRestore;

    /** The answers checkpointed for the users {@code mine} holds (any instance's, after a rescale). */
    AnswersOnRecord(OperatorStateStore store, boolean restored, Predicate<String> mine) throws Exception {
        this.state = store.getUnionListState(Descriptors.ANSWERED);
        if (restored) {
            for (Answer a : state.get()) {
                if (mine.test(a.userId)) {
                    answered.put(a.notificationId, a);
                }
            }
        }
    }

    /** Adds what earlier runs left in Kafka from {@code fromMillis} on, for this instance's users. */
    EarlierRuns.Found read(EarlierRuns runs, long fromMillis, Predicate<String> mine) {
        EarlierRuns.Found found = runs.read(fromMillis, mine);
        answered.putAll(found.answers);
        finishedEarlier.putAll(found.finished);
        return found;
    }

    /** The provider's answer to a notification handed out again, if on record (taken once). */
    Answer take(String notificationId) {
        return answered.isEmpty() ? null : answered.remove(notificationId);
    }

    int size() {
        return answered.size();
    }

    /** Why an earlier run finished {@code campaignId} (nothing of it goes again), or null. */
    String finishedEarlier(String campaignId) {
        return finishedEarlier.get(campaignId);
    }

    /** The campaign's walks are over here: its answers are needed no more. */
    void forget(String campaignId) {
        answered.values().removeIf(a -> campaignId.equals(a.campaignId));
    }

    /**
     * Sends the sources read again after a restore are processed within a few checkpoints; then only
     * the answers of campaigns still {@code firing} are kept.
     */
    void checkpointCompleted(Predicate<String> firing) {
        if (!answered.isEmpty() && ++checkpointsSinceRestore >= CHECKPOINTS_KEEPING_SEND_ANSWERS) {
            answered.values().removeIf(a -> !firing.test(a.campaignId));
        }
    }

    void snapshot() throws Exception {
        state.update(new ArrayList<>(answered.values()));
    }
}
