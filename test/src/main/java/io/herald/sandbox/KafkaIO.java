package io.herald.sandbox;

import io.herald.job.cli.CampaignWatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Small Kafka chores of the sandbox, the tests and the demo: produce, read a topic, wait for the job. */
public final class KafkaIO implements AutoCloseable {
    /** Every client's properties: bootstrap servers, and credentials for a secured broker. */
    private final Properties client;

    private final KafkaProducer<String, byte[]> producer;

    public KafkaIO(String bootstrap) {
        this(bootstrapOnly(bootstrap));
    }

    /**
     * With these client properties ({@code bootstrap.servers} and any security settings) for every
     * client it makes: on a secured broker, each of its chores needs its principal's ACLs.
     */
    public KafkaIO(Properties client) {
        this.client = new Properties();
        this.client.putAll(client);
        Properties p = properties();
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("linger.ms", "5");
        p.put("batch.size", "262144");
        p.put("compression.type", "lz4");
        p.put("acks", "all");
        producer = new KafkaProducer<>(p);
    }

    private static Properties bootstrapOnly(String bootstrap) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        return p;
    }

    /** The client properties of this broker, for clients the sandbox does not make itself. */
    public Properties properties() {
        Properties p = new Properties();
        p.putAll(client);
        return p;
    }

    /** A watcher of campaign {@code campaignId} from the start of both topics. */
    public CampaignWatcher watch(String campaignId, String receiptsTopic, String statusTopic) {
        return new CampaignWatcher(properties(), campaignId, receiptsTopic, statusTopic, CampaignWatcher.From.EARLIEST);
    }

    /** Sends one record and does not wait; call {@link #flush()} before depending on it. */
    public void send(String topic, String key, byte[] value) {
        producer.send(new ProducerRecord<>(topic, key, value));
    }

    /** Sends one record and waits until it is written; returns where, as {@code partition/offset}. */
    public String sendNow(String topic, String key, byte[] value) throws Exception {
        RecordMetadata m =
                producer.send(new ProducerRecord<>(topic, key, value)).get();
        return m.partition() + "/" + m.offset();
    }

    public void flush() {
        producer.flush();
    }

    /** A read-committed consumer from the start of {@code topics}, under a group of its own. */
    public KafkaConsumer<byte[], byte[]> consumer(List<String> topics) {
        Properties p = properties();
        p.put("group.id", "sandbox-reader-" + UUID.randomUUID());
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        p.put("isolation.level", "read_committed");
        p.put("max.poll.records", "5000");
        KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p);
        c.subscribe(topics);
        return c;
    }

    /** Every committed record of {@code topic} visible now, read until {@code quiet} passes with nothing new. */
    public List<ConsumerRecord<byte[], byte[]>> readAll(String topic, Duration quiet) {
        return readAll(List.of(topic), quiet);
    }

    /** The same for several topics at once, with one consumer (and one quiet wait). */
    public List<ConsumerRecord<byte[], byte[]>> readAll(List<String> topics, Duration quiet) {
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(topics)) {
            long lastNew = System.nanoTime();
            while (System.nanoTime() - lastNew < quiet.toNanos()) {
                var records = c.poll(Duration.ofMillis(200));
                if (!records.isEmpty()) {
                    records.forEach(all::add);
                    lastNew = System.nanoTime();
                }
            }
        }
        return all;
    }

    /**
     * Waits until consumer group {@code groupId} has committed, for every partition of {@code topic},
     * an offset past the last committed record there now: the job has read them all and a checkpoint
     * covering them has completed. (The end offset itself may never be reached: a transaction's
     * commit marker takes an offset no consumer commits past.)
     *
     * @param progress told how many records are still ahead of the group, as it falls
     * @return true if it caught up before {@code timeout}
     */
    public boolean awaitConsumed(String groupId, String topic, Duration timeout, LongConsumer progress)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> targets = nextOffsetsAfterLastRecord(topic);
        Properties p = properties();
        try (Admin admin = Admin.create(p)) {
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(groupId)
                        .partitionsToOffsetAndMetadata()
                        .get(30, TimeUnit.SECONDS);
                long behind = 0;
                for (var e : targets.entrySet()) {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    behind += Math.max(0, e.getValue() - (c == null ? 0 : c.offset()));
                }
                progress.accept(behind);
                if (behind == 0) {
                    return true;
                }
                Thread.sleep(250);
            }
        }
        return false;
    }

    /** Per partition, one past the offset of the last committed record (0 for an empty partition). */
    private Map<TopicPartition, Long> nextOffsetsAfterLastRecord(String topic) {
        Map<TopicPartition, Long> next = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(List.of())) {
            c.unsubscribe();
            List<TopicPartition> partitions = new ArrayList<>();
            c.partitionsFor(topic).forEach(pi -> partitions.add(new TopicPartition(topic, pi.partition())));
            c.assign(partitions);
            Map<TopicPartition, Long> ends = c.endOffsets(partitions);
            for (TopicPartition tp : partitions) {
                next.put(tp, 0L);
                long end = ends.get(tp);
                c.seek(tp, Math.max(0, end - 2000));
            }
            while (partitions.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    next.merge(tp, r.offset() + 1, Math::max);
                }
            }
        }
        return next;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
