package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.sandbox.EmbeddedKafka;
import io.herald.sandbox.FencedCommits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.connector.kafka.sink.KafkaCommittable;
import org.apache.flink.connector.kafka.sink.internal.FlinkKafkaInternalProducer;
import org.apache.flink.connector.kafka.sink.internal.KafkaCommitter;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Kafka connector's committer (flink-connector-kafka 5.0.0) does after a restart with a
 * transaction of the checkpoint it restored, against a real Kafka 4.2 broker (transactions version 2,
 * its default). The restarted job's committer builds a producer that resumes the transaction from the
 * producer id and epoch in the checkpoint, without {@code initTransactions}, so it ends it in the
 * version 1 protocol:
 *
 * <ul>
 *   <li>committed before the crash: under version 2 the commit raised the epoch, so the repeated commit
 *       is refused as fenced, the same "most likely signals data loss" line; the records are there;</li>
 *   <li>left open by the crash (the checkpoint completed, its commit never ran): committed now;</li>
 *   <li>aborted by the broker meanwhile (timed out, or its id taken by another producer): refused as
 *       fenced too, and its records are lost. Only the broker's state tells this case from the first.</li>
 * </ul>
 */
class KafkaCommitterRecoveryIT {
    private static final String TOPIC = "receipts";

    @TempDir
    static Path dir;

    private static EmbeddedKafka kafka;

    @BeforeAll
    static void startBroker() throws Exception {
        kafka = EmbeddedKafka.start(dir.resolve("kafka"));
        kafka.createTopics(Map.of(TOPIC, 2));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        kafka.close();
    }

    @Test
    void aTransactionCommittedBeforeTheCrashIsRefusedAsFencedAndNothingIsLost() throws Exception {
        String id = "herald-" + UUID.randomUUID() + "-0-26";
        KafkaCommittable checkpointed;
        try (FlinkKafkaInternalProducer<byte[], byte[]> writer = writer(id)) {
            checkpointed = write(writer, id, 3);
            writer.commitTransaction(); // the writer's own commit, when the checkpoint completed
        }
        Recorded r = commitAfterRestart(checkpointed);

        assertThat(r.failure).isInstanceOf(ProducerFencedException.class);
        TransactionDescription t = describe(id);
        assertThat(t.state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(t.producerId()).isEqualTo(checkpointed.getProducerId());
        assertThat(t.producerEpoch())
                .as("a commit under transactions version 2 raises the epoch")
                .isEqualTo(checkpointed.getEpoch() + 1);
        assertThat(committedValues(id)).hasSize(3);
    }

    @Test
    void aTransactionLeftOpenByTheCrashIsCommittedAfterTheRestart() throws Exception {
        String id = "herald-" + UUID.randomUUID() + "-0-26";
        KafkaCommittable checkpointed;
        try (FlinkKafkaInternalProducer<byte[], byte[]> writer = writer(id)) {
            checkpointed = write(writer, id, 3);
        } // closed at once, as a killed process leaves it: the transaction stays open
        assertThat(describe(id).state()).isEqualTo(TransactionState.ONGOING);

        Recorded r = commitAfterRestart(checkpointed);

        assertThat(r.failure).isNull();
        assertThat(r.retried).isFalse();
        assertThat(describe(id).state()).isEqualTo(TransactionState.COMPLETE_COMMIT);
        assertThat(committedValues(id)).hasSize(3);
    }

    @Test
    void aTransactionTheBrokerAbortedIsRefusedAsFencedTooAndItsRecordsAreLost() throws Exception {
        String id = "herald-" + UUID.randomUUID() + "-0-26";
        KafkaCommittable checkpointed;
        try (FlinkKafkaInternalProducer<byte[], byte[]> writer = writer(id)) {
            checkpointed = write(writer, id, 3);
        }
        // Another producer takes the id: the broker aborts the open transaction, as a timeout would.
        try (FlinkKafkaInternalProducer<byte[], byte[]> other = writer(id)) {
            assertThat(other.getEpoch()).isGreaterThan(checkpointed.getEpoch());
        }
        Recorded r = commitAfterRestart(checkpointed);

        assertThat(r.failure).isInstanceOf(ProducerFencedException.class);
        TransactionDescription t = describe(id);
        assertThat(t.state()).isIn(TransactionState.COMPLETE_ABORT, TransactionState.EMPTY);
        assertThat(committedValues(id)).isEmpty();
    }

    @Test
    void fencedCommitsTellTheTwoCasesApartByTheBrokersState() throws Exception {
        String committed = "herald-" + UUID.randomUUID() + "-1-26";
        String aborted = "herald-" + UUID.randomUUID() + "-1-26";
        KafkaCommittable c;
        KafkaCommittable a;
        try (FlinkKafkaInternalProducer<byte[], byte[]> writer = writer(committed)) {
            c = write(writer, committed, 1);
            writer.commitTransaction();
        }
        try (FlinkKafkaInternalProducer<byte[], byte[]> writer = writer(aborted)) {
            a = write(writer, aborted, 1);
        }
        writer(aborted).close(); // another producer takes the id: the open transaction is aborted
        describe(aborted);
        Path log = dir.resolve("tm.log");
        Files.write(log, List.of(fencedLine(c), fencedLine(a)), StandardCharsets.UTF_8);

        List<FencedCommits.Commit> fenced = FencedCommits.in(dir);
        try (Admin admin = kafka.admin()) {
            FencedCommits.describe(fenced, admin);
        }
        assertThat(fenced).hasSize(2);
        assertThat(fenced.get(0).committedBefore()).as(fenced.get(0).toString()).isTrue();
        assertThat(fenced.get(1).committedBefore()).as(fenced.get(1).toString()).isFalse();
    }

    /** The committer's ERROR line as a TaskManager's log has it (KafkaCommitter#logFencedRequest). */
    private static String fencedLine(KafkaCommittable c) {
        return "08:58:06,770 ERROR org.apache.flink.connector.kafka.sink.internal.KafkaCommitter [] - Unable to commit"
                + " transaction (CommitRequestImpl{state=RECEIVED, numRetries=0, committable=KafkaCommittable{producerId="
                + c.getProducerId() + ", epoch=" + c.getEpoch() + ", transactionalId='" + c.getTransactionalId()
                + "', producer=null}}) because its producer is already fenced. This means that you either have a"
                + " different producer with the same 'transactional.id' ...";
    }

    /** A sink writer's producer for {@code transactionalId}, as the connector's producer pool makes it. */
    private static FlinkKafkaInternalProducer<byte[], byte[]> writer(String transactionalId) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("transaction.timeout.ms", "900000");
        FlinkKafkaInternalProducer<byte[], byte[]> producer = new FlinkKafkaInternalProducer<>(p, transactionalId);
        producer.initTransactions();
        return producer;
    }

    /** Writes {@code n} records in a transaction, flushed as at a checkpoint's barrier; returns its committable. */
    private static KafkaCommittable write(FlinkKafkaInternalProducer<byte[], byte[]> writer, String id, int n) {
        writer.beginTransaction();
        for (int i = 0; i < n; i++) {
            writer.send(new ProducerRecord<>(
                    TOPIC, id.getBytes(StandardCharsets.UTF_8), (id + "#" + i).getBytes(StandardCharsets.UTF_8)));
        }
        writer.flush();
        KafkaCommittable c = KafkaCommittable.of(writer);
        writer.precommitTransaction();
        return new KafkaCommittable(c.getProducerId(), c.getEpoch(), c.getTransactionalId(), null);
    }

    /** What a restarted job's committer does with a committable it restored from a checkpoint. */
    private static Recorded commitAfterRestart(KafkaCommittable restored) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("transaction.timeout.ms", "900000");
        Recorded r = new Recorded(restored);
        try (KafkaCommitter committer =
                new KafkaCommitter(p, "recovery-" + UUID.randomUUID(), 0, 1, false, FlinkKafkaInternalProducer::new)) {
            committer.commit(List.of(r));
        }
        return r;
    }

    /** The transaction under {@code id} as the broker has it, once its markers are written (not PREPARE_*). */
    private static TransactionDescription describe(String id) throws Exception {
        try (Admin admin = kafka.admin()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (true) {
                TransactionDescription t = admin.describeTransactions(List.of(id))
                        .all()
                        .get(30, TimeUnit.SECONDS)
                        .get(id);
                boolean settling =
                        t.state() == TransactionState.PREPARE_COMMIT || t.state() == TransactionState.PREPARE_ABORT;
                if (!settling || System.nanoTime() > deadline) {
                    return t;
                }
                Thread.sleep(50);
            }
        }
    }

    /** The values under key {@code id} a read_committed consumer sees. */
    private static List<String> committedValues(String id) {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("isolation.level", "read_committed");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c =
                new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (id.equals(r.key())) {
                        values.add(new String(r.value(), StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return values;
    }

    /** A commit request as Flink's committer operator hands it over, recording what the committer signals. */
    private static final class Recorded implements Committer.CommitRequest<KafkaCommittable> {
        private final KafkaCommittable committable;
        Throwable failure;
        boolean retried;
        boolean alreadyCommitted;

        Recorded(KafkaCommittable committable) {
            this.committable = committable;
        }

        @Override
        public KafkaCommittable getCommittable() {
            return committable;
        }

        @Override
        public int getNumberOfRetries() {
            return 0;
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            failure = t;
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            failure = t;
        }

        @Override
        public void retryLater() {
            retried = true;
        }

        @Override
        public void updateAndRetryLater(KafkaCommittable committable) {
            retried = true;
        }

        @Override
        public void signalAlreadyCommitted() {
            alreadyCommitted = true;
        }
    }
}
