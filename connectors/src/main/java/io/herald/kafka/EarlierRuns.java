package io.herald.kafka;

import io.herald.json.Json;
import io.herald.model.Answer;
import io.herald.model.CampaignStatus;
import io.herald.model.StatusKind;
import java.io.Serializable;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What earlier runs of the job left in Kafka that a restored job must know: which campaigns they
 * finished, from {@code campaign-status}, and the answers to the notifications of the others, from
 * the {@link AnswerLog}. A job restored from a savepoint reads the fires and sends written after it
 * again; it sends nothing of a finished campaign, and of the others nothing already answered.
 *
 * <p>A campaign is finished when it was cancelled, or when its walk was done on every key group and
 * the answers on record number at least the notifications it targeted (and its retries handed out):
 * then none of its answers need be kept. Only the answers of unfinished campaigns are kept, and only
 * for the users the caller holds, so what stays in memory is what the restore will use.
 */
public final class EarlierRuns implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(EarlierRuns.class);

    private final AnswerLog answers;
    private final String statusTopic;

    public EarlierRuns(AnswerLog answers, String statusTopic) {
        this.answers = answers;
        this.statusTopic = statusTopic;
    }

    /** The answers topic, for retries. */
    public AnswerLog answers() {
        return answers;
    }

    /** What was found, and what it cost to find. */
    public static final class Found {
        /** Answers to notifications of unfinished campaigns, for the caller's users, by notification id. */
        public final Map<String, Answer> answers = new HashMap<>();
        /** Campaigns an earlier run finished, each with why nothing of it is to be sent again. */
        public final Map<String, String> finished = new HashMap<>();

        public long statusesRead;
        public long answersRead;
        public long millis;
    }

    /**
     * Reads the statuses and answers written since {@code fromMillis}.
     *
     * @param mine which users' answers to keep (the caller's key groups)
     */
    public Found read(long fromMillis, Predicate<String> mine) {
        long started = System.nanoTime();
        Found found = new Found();
        Map<String, Ledger> ledgers = new HashMap<>();
        found.statusesRead = TopicSince.read(answers.client(), statusTopic, fromMillis, true, r -> {
            CampaignStatus s = status(r.value());
            if (s != null && s.campaignId != null) {
                ledgers.computeIfAbsent(s.campaignId, id -> new Ledger()).add(s);
            }
        });
        Map<String, Ledger> walked = new HashMap<>();
        ledgers.forEach((id, l) -> {
            if (l.cancelled) {
                found.finished.put(id, "cancelled by an earlier run of the job: nothing of it is sent again");
            } else if (l.walkedEverywhere()) {
                walked.put(id, l);
            }
        });
        Map<String, long[]> counted = new HashMap<>();
        found.answersRead = answers.scan(fromMillis, a -> {
            if (walked.containsKey(a.campaignId)) {
                counted.computeIfAbsent(a.campaignId, id -> new long[1])[0]++;
            } else if (!found.finished.containsKey(a.campaignId) && mine.test(a.userId)) {
                found.answers.put(a.notificationId, a);
            }
        });
        Set<String> unanswered = new HashSet<>();
        walked.forEach((id, l) -> {
            long[] count = counted.get(id);
            long on = count == null ? 0 : count[0];
            if (on >= l.notifications()) {
                found.finished.put(
                        id,
                        "finished by an earlier run of the job (walked on all " + l.keyGroupsTotal
                                + " key groups, " + on + " answers on record for " + l.notifications()
                                + " notifications): nothing of it is sent again");
            } else {
                unanswered.add(id);
            }
        });
        if (!unanswered.isEmpty()) {
            // Walked to the end, but some answers never came (the run died with notifications in
            // flight): those campaigns are resumed, so their answers are wanted after all.
            found.answersRead += answers.scan(fromMillis, a -> {
                if (unanswered.contains(a.campaignId) && mine.test(a.userId)) {
                    found.answers.put(a.notificationId, a);
                }
            });
        }
        found.millis = (System.nanoTime() - started) / 1_000_000;
        LOG.info(
                "Earlier runs since {}: {} statuses and {} answers read in {} ms; {} campaigns finished, "
                        + "{} answers kept",
                fromMillis,
                found.statusesRead,
                found.answersRead,
                found.millis,
                found.finished.size(),
                found.answers.size());
        return found;
    }

    private static CampaignStatus status(byte[] value) {
        try {
            return Json.MAPPER.readValue(value, CampaignStatus.class);
        } catch (Exception e) {
            return null; // the topic is the job's own; a record it cannot read is not its news
        }
    }

    /** One campaign's statuses added up: which key groups its walk finished, and what it handed out. */
    static final class Ledger {
        final BitSet walked = new BitSet();
        int keyGroupsTotal;
        long targeted;
        long retried;
        boolean cancelled;

        void add(CampaignStatus s) {
            if (s.status == StatusKind.CANCELLED) {
                cancelled = true;
            } else if (s.status == StatusKind.RETRIED && s.handedOut != null) {
                retried += s.handedOut;
            } else if (s.status == StatusKind.FANNED_OUT
                    && s.subtask != null
                    && s.subtasks != null
                    && s.keyGroupsTotal != null
                    && s.targeted != null) {
                KeyGroupRange range = KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(
                        s.keyGroupsTotal, s.subtasks, s.subtask);
                BitSet these = new BitSet();
                these.set(range.getStartKeyGroup(), range.getEndKeyGroup() + 1);
                // A later walk of key groups already walked (a replay that resumed it) targets the
                // same devices: counted once.
                if (!these.intersects(walked)) {
                    walked.or(these);
                    targeted += s.targeted;
                }
                keyGroupsTotal = s.keyGroupsTotal;
            }
        }

        boolean walkedEverywhere() {
            return keyGroupsTotal > 0 && walked.cardinality() == keyGroupsTotal;
        }

        /** Notifications that each got one answer: one per targeted device, and one per retry handed out. */
        long notifications() {
            return targeted + retried;
        }
    }
}
