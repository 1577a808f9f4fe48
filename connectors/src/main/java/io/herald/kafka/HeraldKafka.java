package io.herald.kafka;

import io.herald.model.RawRecord;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;
import org.apache.flink.connector.kafka.source.KafkaSource;

/**
 * Builds Herald's Kafka sources and its sink. Sources read committed records only (Herald itself
 * writes transactionally to the devices topic) and start from the group's committed offsets, or
 * from the earliest record for a new group. The sink is exactly-once: records become visible when
 * the checkpoint that covers them completes.
 */
public final class HeraldKafka {
    /**
     * How long the broker lets one of the sink's transactions stay open before it aborts it: the
     * broker's default {@code transaction.max.timeout.ms} (15 minutes), the most it accepts unless
     * raised there (then raise this too, with {@code transaction.timeout.ms} in {@code kafka.properties}).
     *
     * <p>A transaction is opened by the first record after checkpoint n-1's barrier and committed once
     * checkpoint n completes, or, if the job fails in between, by the restarted job. A checkpoint
     * that expires or fails (tolerated) leaves it open until the next one completes. If the broker
     * aborts it first, its records are lost and the commit is refused as "fenced". So this must
     * exceed (tolerable failed checkpoints + 1) x (interval + min pause + checkpoint timeout), plus the
     * time a restart takes: {@code flink-conf/config.yaml} and {@code k8s/} keep checkpoints to 2
     * minutes for that reason (Flink's default timeout, 10 minutes, does not fit with tolerated failures).
     */
    public static final String TRANSACTION_TIMEOUT_MS = "900000";

    /**
     * What a restart may take before the restarted job's committer runs, in {@link
     * #checkTransactionTimeout}: the lost TaskManager noticed ({@code heartbeat.timeout}, 50 s by
     * default), the restart delay (at most 1 minute in {@code flink-conf/}), the tasks deployed.
     */
    public static final long RESTART_ALLOWANCE_MS = 240_000;

    private final String bootstrapServers;
    private final Map<String, String> properties;

    /**
     * @param bootstrapServers the brokers
     * @param properties extra client properties (security settings and the like), for sources and sink
     */
    public HeraldKafka(String bootstrapServers, Map<String, String> properties) {
        this.bootstrapServers = bootstrapServers;
        this.properties = properties;
    }

    /** A source of one topic's records, unparsed. */
    public KafkaSource<RawRecord> source(String topic, String groupId) {
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(bootstrapServers)
                .setTopics(topic)
                .setGroupId(groupId)
                .setStartingOffsets(new CommittedOrEarliest())
                .setDeserializer(new RawRecordDeserializer())
                .setProperties(clientProperties())
                .setProperty("isolation.level", "read_committed")
                .setProperty("partition.discovery.interval.ms", "60000")
                .build();
    }

    /**
     * The exactly-once sink for every output topic; {@code transactionalIdPrefix} must be unique per job
     * (per deployment writing to the cluster) and stay the same across its restarts.
     *
     * <p>After a restart the connector's {@code KafkaCommitter} commits the transactions of the
     * checkpoint it restored, and may log, once per sink subtask, "Unable to commit transaction ...
     * because its producer is already fenced ... most likely signals data loss". Against a broker with
     * {@code transaction.version} 2 (Kafka 4's default) that is, in the usual case, a commit repeated
     * for a transaction committed before the failure: a commit there raises the producer epoch, and the
     * connector's recovery producer repeats it with the epoch it recorded, in the version 1 protocol,
     * which the broker refuses as fenced. Nothing is lost then. Records are lost only if the broker
     * aborted the transaction (it timed out, or another producer took its id): {@code kafka-transactions.sh
     * --bootstrap-server ... describe --transactional-id ID} tells which (CompleteCommit: committed;
     * CompleteAbort: lost). {@code ClusterCrashIT} checks every such line of a crash that way.
     */
    public KafkaSink<OutboundRecord> sink(String transactionalIdPrefix) {
        Properties p = clientProperties();
        p.putIfAbsent("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS);
        // Nothing the sink writes is visible before its transaction commits at a checkpoint, so waiting
        // to fill larger batches costs no latency anyone sees, and each batch costs the producer and the
        // broker a request, an append and an index entry, whatever its size.
        p.putIfAbsent("linger.ms", "50");
        p.putIfAbsent("batch.size", "262144");
        return KafkaSink.<OutboundRecord>builder()
                .setBootstrapServers(bootstrapServers)
                .setKafkaProducerConfig(p)
                .setRecordSerializer(new OutboundRecordSerializer())
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                // Named, not left to the connector's default, so that a connector whose default changes
                // does not switch running jobs (it cannot switch back from POOLING). INCREMENTING names a
                // transaction prefix-subtask-checkpoint and never reuses a name; a restart from checkpoint n
                // aborts every name after n, so nothing is left open to hold read_committed readers (the
                // job's own devices source among them) back. POOLING reuses names: a recovery can leave a
                // transaction open under a reused name, until this timeout after a downscale or a prefix
                // change (FLINK-40626, open in connector 5.0.0), and it needs the serializer to list its
                // topics. What INCREMENTING costs: the broker remembers one id per subtask per checkpoint
                // for transactional.id.expiration.ms (7 days).
                .setTransactionNamingStrategy(TransactionNamingStrategy.INCREMENTING)
                .build();
    }

    /** The sink's {@code transaction.timeout.ms}: {@code properties}' if they set one, else {@link #TRANSACTION_TIMEOUT_MS}. */
    public static long transactionTimeoutMs(Map<String, String> properties) {
        return Long.parseLong(properties.getOrDefault("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS));
    }

    /**
     * The longest one of the sink's transactions can stay open under these checkpoint settings
     * before it is committed: opened after checkpoint n-1, it waits for checkpoint n, or for the next
     * to complete if up to {@code tolerableFailures} fail or expire in between, then for a restart if
     * the job fails before the commit.
     */
    public static long longestOpenTransactionMs(
            long intervalMs, long checkpointTimeoutMs, long minPauseMs, int tolerableFailures) {
        return (tolerableFailures + 1L) * (intervalMs + minPauseMs + checkpointTimeoutMs) + RESTART_ALLOWANCE_MS;
    }

    /**
     * Refuses checkpoint settings under which the broker could abort a transaction whose checkpoint
     * completed (its records lost, its commit refused as fenced): {@link #longestOpenTransactionMs}
     * must stay under the sink's transaction timeout. For the job to call with its effective
     * checkpoint configuration.
     *
     * @throws IllegalArgumentException naming the settings, if it does not
     */
    public static void checkTransactionTimeout(
            Map<String, String> properties,
            long intervalMs,
            long checkpointTimeoutMs,
            long minPauseMs,
            int tolerableFailures) {
        long timeout = transactionTimeoutMs(properties);
        long open = longestOpenTransactionMs(intervalMs, checkpointTimeoutMs, minPauseMs, tolerableFailures);
        if (open > timeout) {
            throw new IllegalArgumentException(String.format(
                    "the Kafka sink's transactions can stay open %,d ms "
                            + "((%d tolerable failed checkpoints + 1) x (interval %,d ms + min pause %,d ms + checkpoint "
                            + "timeout %,d ms) + %,d ms for a restart), longer than transaction.timeout.ms (%,d ms): the "
                            + "broker would abort, and lose, records of completed checkpoints. Shorten "
                            + "execution.checkpointing.timeout, or tolerate fewer failed checkpoints, or raise "
                            + "transaction.timeout.ms in kafka.properties (and the brokers' transaction.max.timeout.ms)",
                    open,
                    tolerableFailures,
                    intervalMs,
                    minPauseMs,
                    checkpointTimeoutMs,
                    RESTART_ALLOWANCE_MS,
                    timeout));
        }
    }

    private Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(properties);
        return p;
    }
}
