package io.herald.kafka;

import io.herald.model.Answer;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code answers} topic: every notification's final outcome (a provider's answer, or a refusal,
 * expiry or cancel), written by the delivery the moment it is known,
 * outside the job's checkpoints (plain idempotent producer, acks from all replicas). It is what a
 * restored job knows of the time since its checkpoint: which notifications a provider already
 * answered, so that they are not sent again. Receipts cannot serve: they become visible only when
 * a checkpoint completes, and those written after the last one are aborted with their transaction.
 *
 * <p>Records are keyed by notification id; values are a compact binary {@link Answer} with a version
 * byte first. A restore after a crash reads from shortly before its checkpoint to the end: the
 * traffic of one checkpoint interval plus {@link #SKEW_MS}. A replay from an older savepoint reads
 * at most its replay window ({@link EarlierRuns}); a retry reads its campaign's, from the fire on.
 */
public final class AnswerLog implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AnswerLog.class);

    /** A restore reads from this long before its checkpoint's time, for clocks that disagree. */
    public static final long SKEW_MS = 5_000;

    private final String bootstrapServers;
    private final String topic;
    private final Map<String, String> properties;

    /**
     * @param properties extra client properties (security and the like)
     */
    public AnswerLog(String bootstrapServers, String topic, Map<String, String> properties) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.properties = new HashMap<>(properties);
    }

    public String topic() {
        return topic;
    }

    /** A writer for one delivery instance; {@code clientId} names it in the broker's logs. */
    public Writer writer(String clientId) {
        Properties p = client();
        p.setProperty(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, "2");
        p.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, "65536");
        // Appends come from the providers' event loops: they must not wait long for metadata or room.
        p.setProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        // Fetched here, on the task thread as it opens, so that the first append finds the metadata.
        producer.partitionsFor(topic);
        return new Writer(producer, topic);
    }

    /**
     * The answers recorded since {@code fromMillis} (record time) that {@code keep} accepts, by
     * notification id; reads to the end the topic had when the call began.
     */
    public Map<String, Answer> read(long fromMillis, Predicate<Answer> keep) {
        Map<String, Answer> found = new HashMap<>();
        long started = System.nanoTime();
        long read = scan(fromMillis, a -> {
            if (keep.test(a)) {
                found.put(a.notificationId, a);
            }
        });
        LOG.info("Read {} answers from {} since {} in {} ms; kept {}", read, topic, fromMillis,
                (System.nanoTime() - started) / 1_000_000, found.size());
        return found;
    }

    /** Hands every answer recorded since {@code fromMillis} to {@code each}; returns how many records were read. */
    long scan(long fromMillis, Consumer<Answer> each) {
        return TopicSince.read(client(), topic, fromMillis, false, r -> {
            Answer a = decode(r.value());
            if (a != null) {
                each.accept(a);
            }
        });
    }

    /** The first byte of every record: the encoding's version, so that it can change. */
    private static final byte VERSION = 1;

    /**
     * The answer, compactly: once per notification on the providers' event loops, where a JSON
     * writer cost 3% of the job's CPU in a profile. A version byte, then the fields in order.
     */
    public static byte[] encode(Answer a) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(128);
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            out.writeUTF(a.notificationId);
            out.writeUTF(a.campaignId);
            out.writeUTF(a.userId);
            out.writeUTF(a.outcome.name());
            out.writeShort(a.providerStatus);
            out.writeShort(a.attempts);
            out.writeLong(a.ackAt);
            out.writeBoolean(a.reason != null);
            if (a.reason != null) {
                out.writeUTF(a.reason);
            }
            out.writeBoolean(a.tokenInvalidAt != null);
            if (a.tokenInvalidAt != null) {
                out.writeLong(a.tokenInvalidAt);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static Answer decode(byte[] value) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(value))) {
            if (in.readByte() != VERSION) {
                return null;
            }
            Answer a = new Answer();
            a.notificationId = in.readUTF();
            a.campaignId = in.readUTF();
            a.userId = in.readUTF();
            a.outcome = io.herald.model.Outcome.valueOf(in.readUTF());
            a.providerStatus = in.readShort();
            a.attempts = in.readShort();
            a.ackAt = in.readLong();
            a.reason = in.readBoolean() ? in.readUTF() : null;
            a.tokenInvalidAt = in.readBoolean() ? in.readLong() : null;
            return a;
        } catch (Exception e) {
            return null; // not ours: the topic is Herald's own, so this is noise, not news
        }
    }

    Properties client() {
        Properties p = new Properties();
        p.putAll(properties);
        p.setProperty("bootstrap.servers", bootstrapServers);
        return p;
    }

    /** Appends answers for one delivery instance; each append says when its answer is on record. */
    public static final class Writer implements AutoCloseable {
        private final KafkaProducer<byte[], byte[]> producer;
        private final String topic;
        private final AtomicInteger pending = new AtomicInteger();

        Writer(KafkaProducer<byte[], byte[]> producer, String topic) {
            this.producer = producer;
            this.topic = topic;
        }

        /**
         * Records {@code answer}; {@code onRecorded} runs once it is (or once recording failed: the
         * notification's receipt must not wait for ever on Kafka), on the producer's thread.
         */
        public void append(Answer answer, Runnable onRecorded) {
            pending.incrementAndGet();
            try {
                producer.send(new ProducerRecord<>(topic, answer.notificationId.getBytes(StandardCharsets.UTF_8),
                        encode(answer)), (metadata, error) -> {
                            if (error != null) {
                                LOG.warn("Answer to {} not recorded: {}", answer.notificationId, error.toString());
                            }
                            pending.decrementAndGet();
                            onRecorded.run();
                        });
            } catch (RuntimeException e) {
                pending.decrementAndGet();
                LOG.warn("Answer to {} not recorded: {}", answer.notificationId, e.toString());
                onRecorded.run();
            }
        }

        /** Answers handed over and not yet on record. */
        public int pending() {
            return pending.get();
        }

        @Override
        public void close() {
            producer.flush();
            producer.close(Duration.ofSeconds(10));
        }
    }
}
