package io.herald.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads every partition of a topic from a record time to the end it had when the read began, with
 * no consumer group: how a restored job learns what earlier runs left in Kafka, and how {@code
 * herald audit} reads an app's history.
 */
public final class TopicSince {
    private TopicSince() {}

    /**
     * Hands each record written since {@code fromMillis} to {@code each}; returns how many there were.
     *
     * @param committedOnly read only committed transactions (topics written by the job's exactly-once sink)
     */
    public static long read(
            Properties client,
            String topic,
            long fromMillis,
            boolean committedOnly,
            Consumer<ConsumerRecord<byte[], byte[]>> each) {
        Properties p = new Properties();
        p.putAll(client);
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        long read = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(30));
            if (infos == null || infos.isEmpty()) {
                return 0;
            }
            List<TopicPartition> partitions = new ArrayList<>();
            infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
            consumer.assign(partitions);
            // Under read_committed, the end is the last stable offset: open transactions are not waited for.
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            Map<TopicPartition, Long> times = new HashMap<>();
            partitions.forEach(tp -> times.put(tp, Math.max(0, fromMillis)));
            Map<TopicPartition, OffsetAndTimestamp> start = consumer.offsetsForTimes(times, Duration.ofSeconds(30));
            Map<TopicPartition, Long> remaining = new HashMap<>();
            for (TopicPartition tp : partitions) {
                OffsetAndTimestamp s = start.get(tp);
                long from = s == null ? end.get(tp) : s.offset();
                consumer.seek(tp, from);
                if (from < end.get(tp)) {
                    remaining.put(tp, end.get(tp));
                }
            }
            consumer.pause(
                    partitions.stream().filter(tp -> !remaining.containsKey(tp)).toList());
            while (!remaining.isEmpty()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    Long until = remaining.get(tp);
                    if (until == null || r.offset() >= until) {
                        continue;
                    }
                    read++;
                    each.accept(r);
                    if (r.offset() + 1 >= until) {
                        remaining.remove(tp);
                        consumer.pause(List.of(tp));
                    }
                }
                // Transaction markers and aborted records take offsets no record is handed for.
                for (TopicPartition tp : List.copyOf(remaining.keySet())) {
                    if (consumer.position(tp) >= remaining.get(tp)) {
                        remaining.remove(tp);
                        consumer.pause(List.of(tp));
                    }
                }
            }
        }
        return read;
    }
}
