package io.herald.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;

/**
 * The Kafka sink's commits that the connector's {@code KafkaCommitter} refused with "Unable to commit
 * transaction (...) because its producer is already fenced", read from a Flink cluster's logs, each
 * with what the broker says became of its transaction. The line reads the same whether the
 * transaction was committed before (a commit repeated after a restart: nothing lost) or aborted by
 * the broker (its records lost); only the broker tells them apart.
 */
public final class FencedCommits {
    private static final Pattern LINE = Pattern.compile("KafkaCommitter.*Unable to commit transaction \\(.*?"
            + "producerId=(\\d+), epoch=(\\d+), transactionalId='([^']+)'.*?because its producer is already fenced");

    private FencedCommits() {}

    /** One refused commit: the transaction as the committer knew it, and as the broker has it. */
    public static final class Commit {
        public final String log;
        public final String transactionalId;
        public final long producerId;
        public final short epoch;
        /** Null until {@link #describe} (or if the broker knows no such transactional id). */
        public TransactionState brokerState;

        public long brokerProducerId = -1;
        public int brokerEpoch = -1;

        Commit(String log, String transactionalId, long producerId, short epoch) {
            this.log = log;
            this.transactionalId = transactionalId;
            this.producerId = producerId;
            this.epoch = epoch;
        }

        /**
         * Committed before the refused commit: the broker has the transaction committed, by the same
         * producer, at a later epoch (a commit under transactions version 2 raises the epoch). Its
         * records are there; the line lost nothing.
         */
        public boolean committedBefore() {
            return brokerState == TransactionState.COMPLETE_COMMIT
                    && brokerProducerId == producerId
                    && brokerEpoch > epoch;
        }

        @Override
        public String toString() {
            return transactionalId + " (producer " + producerId + ", epoch " + epoch + "; " + log + "): broker "
                    + brokerState + " at producer " + brokerProducerId + ", epoch " + brokerEpoch
                    + (committedBefore()
                            ? ", committed before: nothing lost"
                            : ", NOT committed: its records are lost");
        }
    }

    /** Every refused commit the {@code *.log} files in {@code logs} record, in file order. */
    public static List<Commit> in(Path logs) throws IOException {
        List<Commit> found = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(logs)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".log"))
                    .sorted()
                    .collect(Collectors.toList());
        }
        for (Path f : files) {
            for (String line : Files.readAllLines(f, StandardCharsets.ISO_8859_1)) {
                Matcher m = LINE.matcher(line);
                if (m.find()) {
                    found.add(new Commit(
                            f.getFileName().toString(),
                            m.group(3),
                            Long.parseLong(m.group(1)),
                            Short.parseShort(m.group(2))));
                }
            }
        }
        return found;
    }

    /** Asks the broker what became of each commit's transaction. */
    public static List<Commit> describe(List<Commit> commits, Admin admin) throws Exception {
        if (commits.isEmpty()) {
            return commits;
        }
        Map<String, TransactionDescription> d = admin.describeTransactions(
                        commits.stream().map(c -> c.transactionalId).distinct().collect(Collectors.toList()))
                .all()
                .get(30, TimeUnit.SECONDS);
        for (Commit c : commits) {
            TransactionDescription t = d.get(c.transactionalId);
            if (t != null) {
                c.brokerState = t.state();
                c.brokerProducerId = t.producerId();
                c.brokerEpoch = t.producerEpoch();
            }
        }
        return commits;
    }
}
