package io.herald.e2e.migration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka topics written down record by record, and written back into a fresh broker at the same
 * offsets: what a savepoint taken against one broker needs to be restored against another.
 *
 * <p>A restored Kafka source goes on from the offsets in the savepoint, so each record must be at
 * the offset it had. Transactional writes leave a control record (commit or abort marker) per
 * partition per transaction, which takes an offset no consumer is handed; an aborted transaction's
 * records take offsets too, and are skipped by {@code read_committed} readers. The dump keeps every
 * record (read uncommitted), whether it was committed, and each partition's end offset, so the
 * offsets no record has are the markers. {@link #refill} writes the records back in offset order,
 * non-transactionally where a partition has no markers, and otherwise in transactions planned so
 * that each marker falls at its offset and each record ends up committed or aborted as it was, then
 * reads every partition back and fails unless records, timestamps, offsets and visibility agree.
 *
 * <p>Files: {@code topics.json} (per topic, its partitions' end offsets, marker offsets and record
 * counts) and one {@code <topic>.jsonl} per topic, a record a line in partition and offset order:
 * {@code partition}, {@code offset}, {@code timestamp} (CreateTime), {@code key} (UTF-8 text, or
 * {@code keyBase64}), {@code value} (UTF-8 text, or {@code valueBase64} for binary values such as
 * the answers), {@code committed} (false for a record of an aborted transaction), {@code headers}.
 */
public final class TopicDump {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TopicDump() {}

    /** One record as dumped. */
    record Entry(
            int partition,
            long offset,
            long timestamp,
            byte[] key,
            byte[] value,
            boolean committed,
            List<Header> headers) {}

    /** One partition as dumped: its records in offset order and its end offset (high watermark). */
    record PartitionDump(int partition, long endOffset, List<Entry> records) {
        /** Offsets below the end that no record has: transaction markers. */
        List<Long> markers() {
            Set<Long> taken = new HashSet<>();
            records.forEach(e -> taken.add(e.offset));
            List<Long> markers = new ArrayList<>();
            for (long o = 0; o < endOffset; o++) {
                if (!taken.contains(o)) {
                    markers.add(o);
                }
            }
            return markers;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Dump
    // ---------------------------------------------------------------------------------------------

    /**
     * Writes every record of {@code topics} into {@code dir}. Waits (up to {@code timeout}) until no
     * transaction is open on any of their partitions (the last stable offset is the high watermark),
     * so that whether each record was committed is settled.
     */
    public static void dump(String bootstrap, List<String> topics, Path dir, Duration timeout) throws Exception {
        Files.createDirectories(dir);
        ObjectNode index = JSON.createObjectNode();
        for (String topic : topics) {
            List<PartitionDump> partitions = read(bootstrap, topic, timeout);
            ObjectNode t = index.putObject(topic);
            ArrayNode ps = t.putArray("partitions");
            try (BufferedWriter w = Files.newBufferedWriter(dir.resolve(topic + ".jsonl"), StandardCharsets.UTF_8)) {
                for (PartitionDump p : partitions) {
                    ObjectNode pn = ps.addObject();
                    pn.put("partition", p.partition);
                    pn.put("endOffset", p.endOffset);
                    pn.put("records", p.records.size());
                    pn.put(
                            "aborted",
                            p.records.stream().filter(e -> !e.committed).count());
                    ArrayNode markers = pn.putArray("markers");
                    p.markers().forEach(markers::add);
                    for (Entry e : p.records) {
                        w.write(JSON.writeValueAsString(toJson(e)));
                        w.write('\n');
                    }
                }
            }
        }
        JSON.writerWithDefaultPrettyPrinter()
                .writeValue(dir.resolve("topics.json").toFile(), index);
    }

    /** Reads one topic whole: uncommitted for every record, then committed for which of them count. */
    static List<PartitionDump> read(String bootstrap, String topic, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> uncommitted = consumer(bootstrap, "read_uncommitted");
                KafkaConsumer<byte[], byte[]> committed = consumer(bootstrap, "read_committed")) {
            List<TopicPartition> tps = new ArrayList<>();
            uncommitted
                    .partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(pi -> tps.add(new TopicPartition(topic, pi.partition())));
            tps.sort((a, b) -> Integer.compare(a.partition(), b.partition()));
            Map<TopicPartition, Long> ends = uncommitted.endOffsets(tps, Duration.ofSeconds(30));
            // Open transactions hold the last stable offset back: wait until none is open.
            while (!committed.endOffsets(tps, Duration.ofSeconds(30)).equals(ends)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(topic + ": a transaction is still open (last stable offsets "
                            + committed.endOffsets(tps) + ", ends " + ends + ")");
                }
                Thread.sleep(200);
                ends = uncommitted.endOffsets(tps, Duration.ofSeconds(30));
            }
            Map<TopicPartition, Long> beginnings = uncommitted.beginningOffsets(tps, Duration.ofSeconds(30));
            beginnings.forEach((tp, b) -> {
                if (b != 0) {
                    throw new IllegalStateException(tp + " starts at offset " + b + ": records were deleted");
                }
            });
            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> all = readAll(uncommitted, tps, ends, deadline);
            Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> visible = readAll(committed, tps, ends, deadline);
            List<PartitionDump> out = new ArrayList<>();
            for (TopicPartition tp : tps) {
                Set<Long> visibleOffsets = new HashSet<>();
                visible.get(tp).forEach(r -> visibleOffsets.add(r.offset()));
                List<Entry> entries = new ArrayList<>();
                for (ConsumerRecord<byte[], byte[]> r : all.get(tp)) {
                    if (r.timestampType() != TimestampType.CREATE_TIME) {
                        throw new IllegalStateException(tp + "@" + r.offset() + " has a " + r.timestampType()
                                + " timestamp: it could not be written back as it was");
                    }
                    entries.add(new Entry(
                            tp.partition(),
                            r.offset(),
                            r.timestamp(),
                            r.key(),
                            r.value(),
                            visibleOffsets.contains(r.offset()),
                            Arrays.asList(r.headers().toArray())));
                }
                out.add(new PartitionDump(tp.partition(), ends.get(tp), entries));
            }
            return out;
        }
    }

    private static Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> readAll(
            KafkaConsumer<byte[], byte[]> c, List<TopicPartition> tps, Map<TopicPartition, Long> ends, long deadline) {
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> out = new HashMap<>();
        tps.forEach(tp -> out.put(tp, new ArrayList<>()));
        c.assign(tps);
        c.seekToBeginning(tps);
        while (tps.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("could not read " + tps + " to " + ends + " in time");
            }
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() < ends.get(tp)) {
                    out.get(tp).add(r);
                }
            }
        }
        return out;
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static ObjectNode toJson(Entry e) {
        ObjectNode n = JSON.createObjectNode();
        n.put("partition", e.partition);
        n.put("offset", e.offset);
        n.put("timestamp", e.timestamp);
        putBytes(n, "key", e.key);
        putBytes(n, "value", e.value);
        if (!e.committed) {
            n.put("committed", false);
        }
        if (!e.headers.isEmpty()) {
            ArrayNode hs = n.putArray("headers");
            for (Header h : e.headers) {
                ObjectNode hn = hs.addObject();
                hn.put("key", h.key());
                putBytes(hn, "value", h.value());
            }
        }
        return n;
    }

    /** As text when the bytes are UTF-8 (most values are JSON), else in base64; absent for null. */
    private static void putBytes(ObjectNode n, String field, byte[] bytes) {
        if (bytes == null) {
            return;
        }
        String text = utf8(bytes);
        if (text != null) {
            n.put(field, text);
        } else {
            n.put(field + "Base64", Base64.getEncoder().encodeToString(bytes));
        }
    }

    private static String utf8(byte[] bytes) {
        try {
            String s = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
            // Control characters other than the usual whitespace: binary, kept exact in base64.
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
                    return null;
                }
            }
            return s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static byte[] bytes(JsonNode n, String field) {
        if (n.hasNonNull(field)) {
            return n.get(field).asText().getBytes(StandardCharsets.UTF_8);
        }
        if (n.hasNonNull(field + "Base64")) {
            return Base64.getDecoder().decode(n.get(field + "Base64").asText());
        }
        return null;
    }

    // ---------------------------------------------------------------------------------------------
    // Load
    // ---------------------------------------------------------------------------------------------

    /** The dump in {@code dir}: per topic, its partitions in order. */
    public static Map<String, List<PartitionDump>> load(Path dir) throws IOException {
        JsonNode index = JSON.readTree(dir.resolve("topics.json").toFile());
        Map<String, List<PartitionDump>> topics = new TreeMap<>();
        for (var it = index.fields(); it.hasNext(); ) {
            var t = it.next();
            String topic = t.getKey();
            Map<Integer, List<Entry>> byPartition = new HashMap<>();
            for (String line : Files.readAllLines(dir.resolve(topic + ".jsonl"), StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n = JSON.readTree(line);
                List<Header> headers = new ArrayList<>();
                n.path("headers")
                        .forEach(h -> headers.add(new RecordHeader(h.get("key").asText(), bytes(h, "value"))));
                Entry e = new Entry(
                        n.get("partition").asInt(),
                        n.get("offset").asLong(),
                        n.get("timestamp").asLong(),
                        bytes(n, "key"),
                        bytes(n, "value"),
                        n.path("committed").asBoolean(true),
                        headers);
                byPartition.computeIfAbsent(e.partition, p -> new ArrayList<>()).add(e);
            }
            List<PartitionDump> partitions = new ArrayList<>();
            for (JsonNode p : t.getValue().get("partitions")) {
                int partition = p.get("partition").asInt();
                List<Entry> entries = byPartition.getOrDefault(partition, new ArrayList<>());
                entries.sort((a, b) -> Long.compare(a.offset, b.offset));
                PartitionDump pd =
                        new PartitionDump(partition, p.get("endOffset").asLong(), entries);
                List<Long> markers = new ArrayList<>();
                p.get("markers").forEach(m -> markers.add(m.asLong()));
                if (!markers.equals(pd.markers())
                        || entries.size() != p.get("records").asInt()) {
                    throw new IllegalStateException(
                            topic + "-" + partition + ": topics.json and " + topic + ".jsonl disagree");
                }
                partitions.add(pd);
            }
            topics.put(topic, partitions);
        }
        return topics;
    }

    // ---------------------------------------------------------------------------------------------
    // Refill
    // ---------------------------------------------------------------------------------------------

    /**
     * Makes each dumped topic, empty, have the partitions it had when the dump was made (a later
     * sandbox may make some with more): a topic whose count differs is deleted and made again.
     */
    public static void matchPartitions(String bootstrap, Path dir) throws Exception {
        Map<String, List<PartitionDump>> topics = load(dir);
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            for (var t : topics.entrySet()) {
                int now = admin.describeTopics(List.of(t.getKey()))
                        .allTopicNames()
                        .get()
                        .get(t.getKey())
                        .partitions()
                        .size();
                if (now == t.getValue().size()) {
                    continue;
                }
                admin.deleteTopics(List.of(t.getKey())).all().get();
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (true) {
                    try {
                        admin.createTopics(List.of(
                                        new NewTopic(t.getKey(), t.getValue().size(), (short) 1)))
                                .all()
                                .get();
                        break;
                    } catch (ExecutionException e) {
                        // The deletion is still under way: the name is not free yet.
                        if (!(e.getCause() instanceof TopicExistsException) || System.nanoTime() > deadline) {
                            throw e;
                        }
                        admin.listTopics().names().get(); // a round trip to the broker before trying again
                    }
                }
            }
        }
    }

    /**
     * Writes the dump in {@code dir} into the broker at {@code bootstrap}, whose topics must exist
     * with the dumped partition counts and be empty, then checks every partition against the dump.
     */
    public static void refill(String bootstrap, Path dir) throws Exception {
        Map<String, List<PartitionDump>> topics = load(dir);
        for (var t : topics.entrySet()) {
            try (KafkaConsumer<byte[], byte[]> c = consumer(bootstrap, "read_uncommitted")) {
                int partitions =
                        c.partitionsFor(t.getKey(), Duration.ofSeconds(30)).size();
                if (partitions != t.getValue().size()) {
                    throw new IllegalStateException(t.getKey() + " has " + partitions + " partitions; the dump has "
                            + t.getValue().size());
                }
            }
            for (PartitionDump p : t.getValue()) {
                write(bootstrap, t.getKey(), p);
            }
        }
        verify(bootstrap, topics);
    }

    /** Fails unless every dumped partition holds the same records at the same offsets, alike visible. */
    static void verify(String bootstrap, Map<String, List<PartitionDump>> topics) throws Exception {
        for (var t : topics.entrySet()) {
            List<PartitionDump> now = read(bootstrap, t.getKey(), Duration.ofMinutes(1));
            for (int i = 0; i < t.getValue().size(); i++) {
                PartitionDump want = t.getValue().get(i);
                PartitionDump got = now.get(i);
                String where = t.getKey() + "-" + want.partition;
                if (got.endOffset != want.endOffset || got.records.size() != want.records.size()) {
                    throw new IllegalStateException(where + ": written back with end offset " + got.endOffset + " and "
                            + got.records.size() + " records; dumped with " + want.endOffset + " and "
                            + want.records.size());
                }
                for (int r = 0; r < want.records.size(); r++) {
                    Entry a = want.records.get(r);
                    Entry b = got.records.get(r);
                    if (a.offset != b.offset
                            || a.timestamp != b.timestamp
                            || a.committed != b.committed
                            || !Arrays.equals(a.key, b.key)
                            || !Arrays.equals(a.value, b.value)
                            || a.headers.size() != b.headers.size()) {
                        throw new IllegalStateException(where + ": the record dumped at offset " + a.offset
                                + " came back as offset " + b.offset + " (timestamp " + a.timestamp + "/" + b.timestamp
                                + ", committed " + a.committed + "/" + b.committed + ")");
                    }
                }
            }
        }
    }

    /** A transaction of the refill, open on one of the producers. */
    private record Txn(int producer, boolean commits) {}

    /**
     * Writes one partition back, one acknowledged write at a time in offset order. A record goes into
     * a transaction that ends with its own outcome (commit for a committed record, abort for an
     * aborted one); each marker ends the oldest open transaction. A new transaction is opened for a
     * record when fewer are open than the markers right after its run of records (writers that
     * commit at the same checkpoint), or when the records left could not otherwise give every marker
     * left a transaction to end; otherwise it joins an open one with its outcome. A committed record
     * with none to join, when every marker left has its transaction, is written without one.
     */
    private static void write(String bootstrap, String topic, PartitionDump p) throws Exception {
        Map<Long, Entry> byOffset = new HashMap<>();
        p.records.forEach(e -> byOffset.put(e.offset, e));
        long markersLeft = p.endOffset - p.records.size();
        long recordsLeft = p.records.size();
        String where = topic + "-" + p.partition;

        List<KafkaProducer<byte[], byte[]>> producers = new ArrayList<>();
        Deque<Integer> free = new ArrayDeque<>();
        Deque<Txn> open = new ArrayDeque<>(); // oldest first
        KafkaProducer<byte[], byte[]> plain = null;
        try {
            for (long o = 0; o < p.endOffset; o++) {
                Entry e = byOffset.get(o);
                if (e == null) {
                    Txn t = open.pollFirst();
                    if (t == null) {
                        throw new IllegalStateException(where + "@" + o + ": a marker with no transaction to end");
                    }
                    if (t.commits) {
                        producers.get(t.producer).commitTransaction();
                    } else {
                        producers.get(t.producer).abortTransaction();
                    }
                    free.push(t.producer);
                    markersLeft--;
                    continue;
                }
                recordsLeft--;
                long markersNext = 0;
                long next = o + 1;
                while (next < p.endOffset && byOffset.containsKey(next)) {
                    next++;
                }
                while (next < p.endOffset && !byOffset.containsKey(next)) {
                    markersNext++;
                    next++;
                }
                Txn same = null;
                for (Txn t : open) {
                    if (t.commits == e.committed) {
                        same = t;
                    }
                }
                KafkaProducer<byte[], byte[]> producer;
                boolean joinFeasible = true; // each marker ahead still finds a transaction if this record joins
                long markersAhead = 0;
                long recordsAhead = 0;
                for (long k = o + 1; k < p.endOffset; k++) {
                    if (byOffset.containsKey(k)) {
                        recordsAhead++;
                    } else if (++markersAhead > open.size() + recordsAhead) {
                        joinFeasible = false;
                        break;
                    }
                }
                if (open.size() < markersLeft && (open.size() < markersNext || !joinFeasible || same == null)) {
                    if (free.isEmpty()) {
                        KafkaProducer<byte[], byte[]> made =
                                producer(bootstrap, "herald-migration-refill-" + where + "-" + producers.size());
                        made.initTransactions();
                        producers.add(made);
                        free.push(producers.size() - 1);
                    }
                    Txn t = new Txn(free.pop(), e.committed);
                    producers.get(t.producer).beginTransaction();
                    open.addLast(t);
                    producer = producers.get(t.producer);
                } else if (same != null) {
                    producer = producers.get(same.producer);
                } else if (e.committed) {
                    if (plain == null) {
                        plain = producer(bootstrap, null);
                    }
                    producer = plain;
                } else {
                    throw new IllegalStateException(
                            where + "@" + o + ": an aborted record with no marker left to end it");
                }
                RecordMetadata m = producer.send(
                                new ProducerRecord<>(topic, p.partition, e.timestamp, e.key, e.value, e.headers))
                        .get();
                if (m.offset() != o) {
                    throw new IllegalStateException(where + ": the record dumped at offset " + o + " was written at "
                            + m.offset() + " (the partition was not empty?)");
                }
            }
            if (!open.isEmpty()) {
                throw new IllegalStateException(where + ": " + open.size() + " transactions left with no marker");
            }
        } finally {
            for (KafkaProducer<byte[], byte[]> producer : producers) {
                producer.close(Duration.ofSeconds(10));
            }
            if (plain != null) {
                plain.close(Duration.ofSeconds(10));
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap, String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        if (transactionalId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Records and markers per topic, for a report. */
    public static String summary(Path dir) throws IOException {
        StringBuilder s = new StringBuilder();
        for (var t : load(dir).entrySet()) {
            long records =
                    t.getValue().stream().mapToLong(p -> p.records.size()).sum();
            long markers =
                    t.getValue().stream().mapToLong(p -> p.markers().size()).sum();
            s.append(String.format("%s: %d records, %d markers; ", t.getKey(), records, markers));
        }
        return s.toString();
    }
}
