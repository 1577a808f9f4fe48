package io.herald.kafka;

import io.herald.model.RawRecord;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Builds Herald's Kafka sources and its sink. Sources read committed records only (Herald itself
 * writes transactionally to the devices topic) and start from the group's committed offsets, or
 * from the earliest record for a new group. The sink is exactly-once: records become visible when
 * the checkpoint that covers them completes.
 */
public final class HeraldKafka {
    /** Kept under the broker's default transaction.max.timeout.ms (15 minutes). */
    public static final String TRANSACTION_TIMEOUT_MS = "600000";

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
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperties(clientProperties())
                .setProperty("isolation.level", "read_committed")
                .setProperty("partition.discovery.interval.ms", "60000")
                .build();
    }

    /** The exactly-once sink for every output topic; {@code transactionalIdPrefix} must be unique per job. */
    public KafkaSink<OutboundRecord> sink(String transactionalIdPrefix) {
        Properties p = clientProperties();
        p.setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS);
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
                .build();
    }

    private Properties clientProperties() {
        Properties p = new Properties();
        p.putAll(properties);
        return p;
    }
}
