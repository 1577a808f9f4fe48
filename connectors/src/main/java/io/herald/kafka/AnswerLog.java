package io.herald.kafka;

import io.herald.model.Answer;
import io.herald.model.Outcome;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
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
 * <p>Each record holds the answers one writer gathered over up to 2 ms, compactly, with a
 * version byte first (see {@link #encode}); records have no key. A restore after a crash reads from shortly before its checkpoint to the end: the
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
        // The writer gathers answers for GATHER_MICROS itself: each record goes as soon as it is made.
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        // Appends come from the providers' event loops: they must not wait long for metadata or room.
        p.setProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
        // Fetched here, on the task thread as it opens, so that the first append finds the metadata.
        producer.partitionsFor(topic);
        return new Writer(producer, topic, clientId + "-gatherer");
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
        LOG.info(
                "Read {} answers from {} since {} in {} ms; kept {}",
                read,
                topic,
                fromMillis,
                (System.nanoTime() - started) / 1_000_000,
                found.size());
        return found;
    }

    /** Hands every answer recorded since {@code fromMillis} to {@code each}; returns how many answers were read. */
    long scan(long fromMillis, Consumer<Answer> each) {
        long[] answers = {0};
        TopicSince.read(client(), topic, fromMillis, false, r -> {
            for (Answer a : decode(r.value())) {
                answers[0]++;
                each.accept(a);
            }
        });
        return answers[0];
    }

    /**
     * The first byte of every record: the encoding's version, so that it can change. Version 1 was
     * one answer per record, its strings in Java's modified UTF-8; it is still read.
     */
    private static final byte VERSION = 2;

    /**
     * Answers gathered into one record: a version byte, their number (4 bytes), then each answer's
     * fields in order, strings as a length (2 bytes) and UTF-8, numbers big-endian, the optional
     * ones after a presence byte. (Version 1's answer had the same layout, its strings in Java's
     * modified UTF-8.)
     */
    public static byte[] encode(List<Answer> answers) {
        DataOutputSerializer out = new DataOutputSerializer(5 + 96 * answers.size());
        try {
            out.writeByte(VERSION);
            out.writeInt(answers.size());
            for (Answer a : answers) {
                writeText(out, a.notificationId);
                writeText(out, a.campaignId);
                writeText(out, a.userId);
                writeText(out, a.outcome.name());
                out.writeShort(a.providerStatus);
                out.writeShort(a.attempts);
                out.writeLong(a.ackAt);
                out.writeBoolean(a.reason != null);
                if (a.reason != null) {
                    writeText(out, a.reason);
                }
                out.writeBoolean(a.tokenInvalidAt != null);
                if (a.tokenInvalidAt != null) {
                    out.writeLong(a.tokenInvalidAt);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.getCopyOfBuffer();
    }

    /** The answers in a record; none if the record is not one of Herald's. */
    static List<Answer> decode(byte[] value) {
        try {
            DataInputDeserializer in = new DataInputDeserializer(value);
            byte version = in.readByte();
            List<Answer> answers;
            if (version == 1) {
                answers = List.of(readAnswer(in, DataInputDeserializer::readUTF));
            } else if (version == VERSION) {
                int n = in.readInt();
                if (n < 0 || n > in.available()) {
                    return List.of();
                }
                answers = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    answers.add(readAnswer(in, AnswerLog::readText));
                }
            } else {
                return List.of();
            }
            return in.available() > 0 ? List.of() : answers;
        } catch (IOException | RuntimeException e) {
            return List.of(); // not ours: the topic is Herald's own, so this is noise, not news
        }
    }

    /** How a version reads its strings. */
    private interface TextReader {
        String read(DataInputDeserializer in) throws IOException;
    }

    private static Answer readAnswer(DataInputDeserializer in, TextReader text) throws IOException {
        Answer a = new Answer();
        a.notificationId = text.read(in);
        a.campaignId = text.read(in);
        a.userId = text.read(in);
        a.outcome = Outcome.valueOf(text.read(in));
        a.providerStatus = in.readShort();
        a.attempts = in.readShort();
        a.ackAt = in.readLong();
        a.reason = in.readBoolean() ? text.read(in) : null;
        a.tokenInvalidAt = in.readBoolean() ? in.readLong() : null;
        return a;
    }

    private static void writeText(DataOutputSerializer out, String s) throws IOException {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0xFFFF) {
            throw new IllegalArgumentException("an answer's field is over 65,535 bytes (" + bytes.length + ")");
        }
        out.writeShort(bytes.length);
        out.write(bytes);
    }

    private static String readText(DataInputDeserializer in) throws IOException {
        byte[] bytes = new byte[in.readUnsignedShort()];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    Properties client() {
        Properties p = new Properties();
        p.putAll(properties);
        p.setProperty("bootstrap.servers", bootstrapServers);
        return p;
    }

    /**
     * Appends answers for one delivery instance; each append says when its answer is on record.
     * Answers are gathered for up to {@link #GATHER_MICROS} (or {@link #MAX_PER_RECORD} of them) and
     * go to Kafka as one record: a record per answer cost the producer, on the providers' event loops
     * and its own thread, and the broker a record's work each (8.5% of the job's CPU in a profile).
     * Kafka writes a record whole or not at all, so a gathered answer is on record exactly when each
     * of the others is.
     */
    public static final class Writer implements AutoCloseable {
        /**
         * The most answers in one record: an answer is at most about 2 KB (ids of 256 bytes, a reason
         * of 200 characters), so a record stays under Kafka's default limit of 1 MB.
         */
        static final int MAX_PER_RECORD = 256;
        /**
         * How long the first answer of a record waits for others: what the producer's own linger was
         * (2 ms) before the writer gathered answers, little next to a provider's answer.
         */
        static final long GATHER_MICROS = 2_000;

        private final KafkaProducer<byte[], byte[]> producer;
        private final String topic;
        private final ScheduledExecutorService gatherer;
        private final AtomicInteger pending = new AtomicInteger();
        private List<Answer> answers = new ArrayList<>();
        private List<Runnable> onRecorded = new ArrayList<>();

        Writer(KafkaProducer<byte[], byte[]> producer, String topic, String clientId) {
            this.producer = producer;
            this.topic = topic;
            this.gatherer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, clientId);
                t.setDaemon(true);
                return t;
            });
        }

        /**
         * Records {@code answer}; {@code onRecorded} runs once it is (or once recording failed: the
         * notification's receipt must not wait for ever on Kafka), on the producer's thread.
         */
        public void append(Answer answer, Runnable onRecorded) {
            pending.incrementAndGet();
            boolean full;
            synchronized (this) {
                answers.add(answer);
                this.onRecorded.add(onRecorded);
                full = answers.size() >= MAX_PER_RECORD;
                if (!full && answers.size() == 1) {
                    try {
                        gatherer.schedule(this::sendGathered, GATHER_MICROS, TimeUnit.MICROSECONDS);
                    } catch (RejectedExecutionException closed) {
                        full = true;
                    }
                }
            }
            if (full) {
                sendGathered();
            }
        }

        private void sendGathered() {
            List<Answer> record;
            List<Runnable> then;
            synchronized (this) {
                if (answers.isEmpty()) {
                    return;
                }
                record = answers;
                then = onRecorded;
                answers = new ArrayList<>();
                onRecorded = new ArrayList<>();
            }
            try {
                producer.send(new ProducerRecord<>(topic, encode(record)), (metadata, error) -> {
                    if (error != null) {
                        LOG.warn("{} answers not recorded: {}", record.size(), error.toString());
                    }
                    recorded(then);
                });
            } catch (RuntimeException e) {
                LOG.warn("{} answers not recorded: {}", record.size(), e.toString());
                recorded(then);
            }
        }

        private void recorded(List<Runnable> then) {
            for (Runnable r : then) {
                pending.decrementAndGet();
                r.run();
            }
        }

        /** Answers handed over and not yet on record. */
        public int pending() {
            return pending.get();
        }

        @Override
        public void close() {
            gatherer.shutdownNow();
            sendGathered();
            producer.flush();
            producer.close(Duration.ofSeconds(10));
        }
    }
}
