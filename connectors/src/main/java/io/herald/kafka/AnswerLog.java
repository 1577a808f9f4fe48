package io.herald.kafka;

import io.herald.model.Answer;
import java.io.Serializable;
import java.nio.ByteBuffer;
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

    /**
     * The first byte of every record: the encoding's version, so that it can change. Version 1 wrote
     * strings as Java's modified UTF-8 through a {@code DataOutputStream}, one synchronized write per
     * byte; it is still read.
     */
    private static final byte VERSION = 2;

    /**
     * The answer, compactly: once per notification on the providers' event loops, where a JSON
     * writer cost 3% of the job's CPU in a profile, and a {@code DataOutputStream} 2.7% (its
     * synchronized writes per byte). A version byte, then the fields in order: strings as a length
     * (2 bytes) and UTF-8, numbers big-endian, the optional ones after a presence byte.
     */
    public static byte[] encode(Answer a) {
        byte[] notificationId = utf8(a.notificationId);
        byte[] campaignId = utf8(a.campaignId);
        byte[] userId = utf8(a.userId);
        byte[] outcome = utf8(a.outcome.name());
        byte[] reason = a.reason == null ? null : utf8(a.reason);
        int size = 1 + 4 * 2 + notificationId.length + campaignId.length + userId.length + outcome.length
                + 2 + 2 + 8 + 1 + (reason == null ? 0 : 2 + reason.length) + 1 + (a.tokenInvalidAt == null ? 0 : 8);
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION);
        putString(out, notificationId);
        putString(out, campaignId);
        putString(out, userId);
        putString(out, outcome);
        out.putShort((short) a.providerStatus);
        out.putShort((short) a.attempts);
        out.putLong(a.ackAt);
        out.put((byte) (reason != null ? 1 : 0));
        if (reason != null) {
            putString(out, reason);
        }
        out.put((byte) (a.tokenInvalidAt != null ? 1 : 0));
        if (a.tokenInvalidAt != null) {
            out.putLong(a.tokenInvalidAt);
        }
        return out.array();
    }

    static Answer decode(byte[] value) {
        try {
            if (value.length > 0 && value[0] == 1) {
                return decodeVersion1(value);
            }
            ByteBuffer in = ByteBuffer.wrap(value);
            if (in.get() != VERSION) {
                return null;
            }
            Answer a = new Answer();
            a.notificationId = getString(in);
            a.campaignId = getString(in);
            a.userId = getString(in);
            a.outcome = io.herald.model.Outcome.valueOf(getString(in));
            a.providerStatus = in.getShort();
            a.attempts = in.getShort();
            a.ackAt = in.getLong();
            a.reason = in.get() != 0 ? getString(in) : null;
            a.tokenInvalidAt = in.get() != 0 ? in.getLong() : null;
            return in.hasRemaining() ? null : a;
        } catch (RuntimeException e) {
            return null; // not ours: the topic is Herald's own, so this is noise, not news
        }
    }

    private static Answer decodeVersion1(byte[] value) {
        try (java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(value))) {
            in.readByte();
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
            return null;
        }
    }

    private static byte[] utf8(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0xFFFF) {
            throw new IllegalArgumentException("an answer's field is over 65,535 bytes (" + bytes.length + ")");
        }
        return bytes;
    }

    private static void putString(ByteBuffer out, byte[] bytes) {
        out.putShort((short) bytes.length);
        out.put(bytes);
    }

    private static String getString(ByteBuffer in) {
        int length = Short.toUnsignedInt(in.getShort());
        String s = new String(in.array(), in.position(), length, StandardCharsets.UTF_8);
        in.position(in.position() + length);
        return s;
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
