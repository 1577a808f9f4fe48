package io.herald.job.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.campaign.CampaignLife;
import io.herald.model.StatusKind;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Follows one campaign through the job's own outputs, read committed, as they land (at each
 * checkpoint of the job): its status records (accepted, fired, each instance's progress and fan-out
 * counts, the job's totals of its receipts every few seconds), and, if asked, its receipts. Of the
 * status topic it reads only the partition the campaign's records are keyed to. It reads from where
 * {@link From} says, with no consumer group, so it commits nothing and disturbs no one.
 *
 * <p>Without the receipts, what it keeps is a few records a second of the campaign however many
 * notifications it sends: what {@code campaign status} and {@code watch} use. A watcher that reads
 * the receipts keeps every notification id (to count each once), for tests and one user's sends.
 */
public final class CampaignWatcher implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String campaignId;
    /** Null when the receipts are not read. */
    private final String receiptsTopic;
    /** The job's latest totals of the campaign's receipts, or null before the first. */
    private JsonNode receiptTotals;
    /** What the job's totals had counted before this watcher's time: what {@link #counts} leaves out. */
    private ReceiptCounts countedBefore = ReceiptCounts.NONE;

    private final KafkaConsumer<byte[], byte[]> consumer;

    private final List<JsonNode> statuses = new ArrayList<>();
    /** Every fanned_out record: after a restore at another parallelism, an instance may report twice. */
    private final List<JsonNode> fanOuts = new ArrayList<>();

    private final Map<Integer, JsonNode> estimates = new HashMap<>();
    /** The latest progress (or fanned_out) record of each instance, or its cancel if that went further. */
    private final Map<Integer, JsonNode> progress = new HashMap<>();

    private int subtasks = -1;
    private final Map<String, Long> outcomes = new HashMap<>();
    private final Map<String, Long> failureReasons = new TreeMap<>();
    private final Set<String> notificationIds = new HashSet<>();
    private final List<Long> latencies = new ArrayList<>();
    private long receipts;
    private String followedUser;
    private final List<JsonNode> followedUserReceipts = new ArrayList<>();
    private long duplicateReceipts;
    private long lastAckAt;
    /** Records read from either topic, any campaign's. */
    private long recordsRead;

    /** Where a watcher starts reading both topics. */
    public sealed interface From {
        /** Every record the topics hold. */
        From EARLIEST = since(0);

        /** Only what is written after the watcher is made: for a command that writes, then waits for the answer. */
        From NOW = new Now();

        /** Records written since {@code epochMillis} (by their Kafka timestamps). */
        static From since(long epochMillis) {
            return new Since(epochMillis);
        }

        record Now() implements From {}

        record Since(long epochMillis) implements From {}
    }

    /**
     * @param kafka the client properties: {@code bootstrap.servers} and any security settings
     * @param receiptsTopic the receipts topic to read as well, or null to count on the job's totals
     */
    public CampaignWatcher(Properties kafka, String campaignId, String receiptsTopic, String statusTopic, From from) {
        this.campaignId = campaignId;
        this.receiptsTopic = receiptsTopic;
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = new ArrayList<>();
        if (receiptsTopic != null) {
            consumer.partitionsFor(receiptsTopic, Duration.ofSeconds(30))
                    .forEach(pi -> partitions.add(new TopicPartition(receiptsTopic, pi.partition())));
        }
        // The job keys a status by its campaign (one about a whole app by the app), and the producer
        // puts a key's records in one partition: the one its own partitioner names.
        int statusPartitions =
                consumer.partitionsFor(statusTopic, Duration.ofSeconds(30)).size();
        if (kafka.containsKey(ProducerConfig.PARTITIONER_CLASS_CONFIG)) {
            // The job's producer partitions by a class of the deployment's: every partition is read.
            for (int i = 0; i < statusPartitions; i++) {
                partitions.add(new TopicPartition(statusTopic, i));
            }
        } else {
            partitions.add(new TopicPartition(
                    statusTopic,
                    BuiltInPartitioner.partitionForKey(campaignId.getBytes(StandardCharsets.UTF_8), statusPartitions)));
        }
        consumer.assign(partitions);
        if (from instanceof From.Now) {
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolved now, before the caller writes
        } else if (from instanceof From.Since since) {
            Map<TopicPartition, Long> at = new HashMap<>();
            partitions.forEach(tp -> at.put(tp, since.epochMillis()));
            Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(at, Duration.ofSeconds(30));
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            for (TopicPartition tp : partitions) {
                OffsetAndTimestamp o = found.get(tp);
                consumer.seek(tp, o != null ? o.offset() : ends.get(tp));
            }
        }
    }

    /** Reads every record both topics hold now, or what of them comes within {@code timeout}. */
    public void readToEnd(Duration timeout) throws Exception {
        Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment(), Duration.ofSeconds(30));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline
                && ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            poll(Duration.ofMillis(200));
        }
    }

    /** Reads what arrived within {@code wait}. */
    public void poll(Duration wait) throws Exception {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
            recordsRead++;
            JsonNode n = JSON.readTree(r.value());
            // A status about a whole app (its pause) names the app instead of a campaign.
            String about = n.hasNonNull("campaignId")
                    ? n.path("campaignId").asText()
                    : n.path("appId").asText();
            if (!campaignId.equals(about)) {
                continue;
            }
            if (r.topic().equals(receiptsTopic)) { // never equal while receiptsTopic is null
                receipts++;
                if (n.path("userId").asText().equals(followedUser)) {
                    followedUserReceipts.add(n);
                }
                if (!notificationIds.add(n.path("notificationId").asText())) {
                    duplicateReceipts++;
                }
                outcomes.merge(n.path("outcome").asText(), 1L, Long::sum);
                if (!"delivered".equals(n.path("outcome").asText())) {
                    failureReasons.merge(
                            n.path("platform").asText() + " " + n.path("reason").asText(), 1L, Long::sum);
                }
                latencies.add(n.path("latencyMs").asLong());
                lastAckAt = Math.max(lastAckAt, n.path("ackAt").asLong());
            } else {
                StatusKind kind = StatusKind.fromWire(n.path("status").asText());
                if (kind == StatusKind.AUDIT) {
                    // The gate's trail, keyed by app: in this partition only when the app's key shares it
                    // with the campaign's, so never taken for an answer (`herald audit` reads them).
                    continue;
                }
                statuses.add(n);
                if (kind == StatusKind.FANNED_OUT) {
                    fanOuts.add(n);
                    progress.put(n.path("subtask").asInt(), n);
                    subtasks = n.path("subtasks").asInt();
                } else if (kind == StatusKind.PROGRESS) {
                    progress.put(n.path("subtask").asInt(), n);
                } else if (kind == StatusKind.CANCELLED) {
                    // A walking instance's cancel says how far it got; one that had finished says 0,
                    // which must not hide what its fanned_out record said.
                    progress.merge(
                            n.path("subtask").asInt(),
                            n,
                            (earlier, cancel) -> cancel.path("handedOut").asLong()
                                            >= earlier.path("handedOut").asLong()
                                    ? cancel
                                    : earlier);
                } else if (kind == StatusKind.RECEIPTS) {
                    receiptTotals = n;
                } else if (kind == StatusKind.ESTIMATED) {
                    estimates.put(n.path("subtask").asInt(), n);
                    subtasks = n.path("subtasks").asInt();
                }
            }
        }
    }

    /** Keeps the receipts of {@code userId} (see {@link #receiptsOfUser}). */
    public void followUser(String userId) {
        followedUser = userId;
    }

    /** The receipts of the user named to {@link #followUser}, in the order they came. */
    public List<JsonNode> receiptsOfUser() {
        return followedUserReceipts;
    }

    /** Polls until every targeted device has a receipt, or a rejection arrives, or {@code timeout} passes. */
    public boolean awaitDone(Duration timeout, Runnable onProgress) throws Exception {
        return awaitUntil(timeout, onProgress, this::isDone);
    }

    /** Polls until {@code done} holds (true), a rejection arrives or {@code timeout} passes (false). */
    public boolean awaitUntil(Duration timeout, Runnable onProgress, BooleanSupplier done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            poll(Duration.ofMillis(200));
            onProgress.run();
            if (done.getAsBoolean()) {
                return true;
            }
            if (rejection() != null) {
                return false;
            }
        }
        return false;
    }

    /**
     * Polls until every instance has sent its estimate, then adds them up; null on a rejection or
     * after {@code timeout}.
     */
    public Estimate awaitEstimate(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && rejection() == null) {
            poll(Duration.ofMillis(100));
            if (subtasks > 0 && estimates.size() == subtasks) {
                return new Estimate(estimates.values());
            }
        }
        return null;
    }

    /** A campaign's estimate summed over the job's parallel instances. */
    public static final class Estimate {
        public long users;
        public long targeted;
        public long suppressed;
        public long refused;
        /** Reachable devices of users held out (sent nothing); null for a campaign without a holdout. */
        public Long heldOut;
        /** The slowest instance's time, and when the last one answered. */
        public long elapsedMs;

        public long lastAt;
        public final Map<String, Long> byPlatform = new TreeMap<>();
        public final Map<String, Long> byLocale = new TreeMap<>();
        /** Targeted devices per arm; empty for a campaign without arms. */
        public final Map<String, Long> byArm = new TreeMap<>();

        Estimate(Iterable<JsonNode> parts) {
            for (JsonNode n : parts) {
                users += n.path("users").asLong();
                targeted += n.path("targeted").asLong();
                suppressed += n.path("suppressed").asLong();
                refused += n.path("refused").asLong();
                if (n.has("heldOut")) {
                    heldOut =
                            (heldOut == null ? 0 : heldOut) + n.path("heldOut").asLong();
                }
                n.path("byArm")
                        .fields()
                        .forEachRemaining(
                                e -> byArm.merge(e.getKey(), e.getValue().asLong(), Long::sum));
                elapsedMs = Math.max(elapsedMs, n.path("elapsedMs").asLong());
                lastAt = Math.max(lastAt, n.path("at").asLong());
                n.path("byPlatform")
                        .fields()
                        .forEachRemaining(
                                e -> byPlatform.merge(e.getKey(), e.getValue().asLong(), Long::sum));
                n.path("byLocale")
                        .fields()
                        .forEachRemaining(
                                e -> byLocale.merge(e.getKey(), e.getValue().asLong(), Long::sum));
            }
        }

        /** A table for people: the counts, then devices per platform and per locale. */
        public String table(String campaignId) {
            StringBuilder t = new StringBuilder();
            t.append(String.format("Estimate of %s: %,d users evaluated in %,d ms%n", campaignId, users, elapsedMs));
            t.append(String.format("  %-22s %,12d%n", "devices targeted", targeted));
            t.append(String.format("  %-22s %,12d%n", "suppressed", suppressed));
            t.append(String.format("  %-22s %,12d%n", "would be refused", refused));
            if (heldOut != null) {
                t.append(String.format("  %-22s %,12d%n", "held out", heldOut));
            }
            if (!byArm.isEmpty()) {
                t.append(String.format("  %-22s %12s%n", "arm", "devices"));
                byArm.forEach((k, v) -> t.append(String.format("  %-22s %,12d%n", k, v)));
            }
            t.append(String.format("  %-22s %12s%n", "platform", "devices"));
            byPlatform.forEach((k, v) -> t.append(String.format("  %-22s %,12d%n", k, v)));
            t.append(String.format("  %-22s %12s%n", "locale", "devices"));
            byLocale.forEach((k, v) -> t.append(String.format("  %-22s %,12d%n", k, v)));
            return t.toString();
        }
    }

    /** True when every instance has fanned out and every targeted device has a receipt. */
    public boolean isDone() {
        long withReceipt = receiptsTopic != null ? notificationIds.size() : counts().notifications();
        return fanOutComplete() && withReceipt >= targeted();
    }

    /**
     * Counts, of the job's totals, only what comes after {@code before} (the totals as they stood
     * when this watcher began): a fire's watcher, for a campaign already sent to some users (a
     * transactional send to try it, say), waits for the fire's own receipts.
     */
    public void countReceiptsAfter(ReceiptCounts before) {
        countedBefore = before;
    }

    /**
     * The campaign's receipts as counted so far: from the receipts read, if this watcher reads them;
     * else the job's latest totals.
     */
    public ReceiptCounts counts() {
        if (receiptsTopic != null) {
            return new ReceiptCounts(notificationIds.size(), receipts, outcomes, failureReasons, latencyQuantiles());
        }
        return receiptTotals == null
                ? ReceiptCounts.NONE
                : ReceiptCounts.ofTotals(receiptTotals).since(countedBefore);
    }

    private Map<String, Long> latencyQuantiles() {
        Map<String, Long> q = new LinkedHashMap<>();
        if (!latencies.isEmpty()) {
            q.put("p50", latencyQuantile(0.5));
            q.put("p90", latencyQuantile(0.9));
            q.put("p99", latencyQuantile(0.99));
            q.put("max", latencies.stream().mapToLong(Long::longValue).max().orElseThrow());
        }
        return q;
    }

    /** Every key group of the job has been walked and reported, by whichever instances held it. */
    public boolean fanOutComplete() {
        int total = fanOuts.stream()
                .mapToInt(n -> n.path("keyGroupsTotal").asInt())
                .max()
                .orElse(0);
        return total > 0
                && fanOuts.stream().mapToInt(n -> n.path("keyGroups").asInt()).sum() >= total;
    }

    /** Devices the job targeted, over all instances reported so far. */
    public long targeted() {
        return fanOuts.stream().mapToLong(n -> n.path("targeted").asLong()).sum();
    }

    /** Devices in the audience but not reachable (opted out, uninstalled, dead token). */
    public long suppressed() {
        return fanOuts.stream().mapToLong(n -> n.path("suppressed").asLong()).sum();
    }

    /**
     * Devices the fire will target: exact once every instance has fanned out; before that, each
     * instance's count so far scaled up by the users it expects in all (null before the first report).
     */
    public Long expectedTargeted() {
        if (fanOutComplete()) {
            return targeted();
        }
        if (progress.isEmpty()) {
            return null;
        }
        double expected = 0;
        for (JsonNode n : progress.values()) {
            long users = n.path("users").asLong();
            long usersExpected = n.path("usersExpected").asLong(users);
            expected += users == 0 ? 0 : n.path("targeted").asDouble() * Math.max(users, usersExpected) / users;
        }
        if (subtasks > progress.size() && !progress.isEmpty()) {
            expected = expected * subtasks / progress.size();
        }
        return Math.round(expected);
    }

    /** Notifications handed to delivery so far, from each instance's latest progress record. */
    public long handedOut() {
        return progress.values().stream()
                .mapToLong(n -> n.path("handedOut").asLong())
                .sum();
    }

    /**
     * Where the campaign is, as its status records tell it, in the job's own terms
     * ({@link CampaignLife.State}): null before it is accepted.
     */
    public CampaignLife.State state() {
        if (!statuses(StatusKind.CANCELLED).isEmpty()) {
            return CampaignLife.State.CANCELLED;
        }
        if (fanOutComplete()) {
            return CampaignLife.State.DONE;
        }
        if (!statuses(StatusKind.FIRED).isEmpty()) {
            return CampaignLife.State.WALKING;
        }
        return statuses(StatusKind.ACCEPTED).isEmpty() ? null : CampaignLife.State.CREATED;
    }

    /** The status records of one kind, in the order they came. */
    public List<JsonNode> statuses(StatusKind kind) {
        return statuses.stream()
                .filter(n -> kind.wire().equals(n.path("status").asText()))
                .toList();
    }

    /** The error of a {@code rejected} status, or null. */
    public String rejection() {
        // The latest word counts: a fire its app's fire guard refused may be fired again, confirmed,
        // and a refused create may be followed by a good one.
        for (int i = statuses.size() - 1; i >= 0; i--) {
            String kind = statuses.get(i).path("status").asText();
            if (StatusKind.REJECTED.wire().equals(kind)) {
                return statuses.get(i).path("error").asText();
            }
            if (StatusKind.FIRED.wire().equals(kind)
                    || StatusKind.ACCEPTED.wire().equals(kind)) {
                return null;
            }
        }
        return null;
    }

    public List<JsonNode> statuses() {
        return statuses;
    }

    /** Records read so far from the topics, the campaign's and others'. */
    public long recordsRead() {
        return recordsRead;
    }

    public long receipts() {
        return receipts;
    }

    public long distinctReceipts() {
        return notificationIds.size();
    }

    public long duplicateReceipts() {
        return duplicateReceipts;
    }

    public long outcome(String outcome) {
        return outcomes.getOrDefault(outcome, 0L);
    }

    public Map<String, Long> outcomes() {
        return outcomes;
    }

    /** Receipts other than delivered, counted by platform and reason. */
    public Map<String, Long> failureReasons() {
        return failureReasons;
    }

    public long lastAckAt() {
        return lastAckAt;
    }

    /** The most receipts acknowledged within any one second: the campaign's peak rate. */
    public long mostAcksInOneSecond() {
        List<Long> sorted = new ArrayList<>(latencies);
        sorted.sort(null);
        long most = 0;
        int from = 0;
        for (int to = 0; to < sorted.size(); to++) {
            while (sorted.get(to) - sorted.get(from) >= 1000) {
                from++;
            }
            most = Math.max(most, to - from + 1);
        }
        return most;
    }

    /** Fire-to-ack latencies counted per bucket of {@code bucketMs}, up to the largest; empty with no receipts. */
    public long[] latencyHistogram(long bucketMs) {
        long max = latencies.stream().mapToLong(Long::longValue).max().orElse(-1);
        if (max < 0) {
            return new long[0];
        }
        long[] buckets = new long[(int) (max / bucketMs) + 1];
        for (long l : latencies) {
            buckets[(int) (Math.max(0, l) / bucketMs)]++;
        }
        return buckets;
    }

    /** The fire-to-ack latency at quantile {@code q} (0..1), in milliseconds; 0 with no receipts. */
    public long latencyQuantile(double q) {
        if (latencies.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(latencies);
        sorted.sort(null);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(q * sorted.size())));
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
