package io.herald.cli;

import io.herald.job.cli.CampaignWatcher;
import io.herald.job.cli.HeraldCli;
import io.herald.job.cli.ReceiptCounts;
import io.herald.json.OutputCodec;
import io.herald.model.CampaignStatus;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.herald.model.StatusKind;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code campaign status} of a campaign of 10,000,000 notifications, against what it did before
 * (read the day's receipts and count them on the client), side by side in one run. The topics hold
 * what the job writes for such a campaign, written here in the job's own formats: its receipts
 * (ReceiptWriter), and on {@code campaign-status} its progress and fan-out records and its
 * {@code receipts} totals every 2 s, among the records of other campaigns. The job making those
 * totals is tested apart (DeliveryTotalsTest, HeraldEndToEndIT); this measures the reading.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "`campaign status` at 10,000,000 notifications: the job's totals against reading the receipts.")
final class StatusBench extends SectionBench {
    @Option(
            names = "--notifications",
            defaultValue = "10000000",
            description = "The campaign's notifications (default ${DEFAULT-VALUE}).")
    int notifications;

    @Option(
            names = "--rate",
            defaultValue = "40000",
            description = "Notifications per second the campaign went out at: how many progress and totals "
                    + "records it left (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(
            names = "--other-campaigns",
            defaultValue = "50",
            description =
                    "Other campaigns of the day on the status topic, each a tenth the size (default ${DEFAULT-VALUE}).")
    int otherCampaigns;

    @Option(
            names = "--runs",
            defaultValue = "3",
            description = "Measured runs of each way, alternated (default ${DEFAULT-VALUE}).")
    int runs;

    private static final String CAMPAIGN = "big";
    private static final int SUBTASKS = 2;

    @Override
    Map<String, Object> measure() throws Exception {
        Path dir = Files.createTempDirectory("herald-bench-status-");
        try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), SUBTASKS);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            long t0 = System.currentTimeMillis() - notifications * 1000L / rate - 60_000;
            long start = System.nanoTime();
            Map<String, Long> byOutcome = writeReceipts(kafka.properties(), sandbox, t0);
            System.out.printf(
                    "wrote %,d receipts in %,d s%n", notifications, (System.nanoTime() - start) / 1_000_000_000);
            writeStatuses(kafka.properties(), sandbox, t0, byOutcome);
            long delivered = byOutcome.get(Outcome.DELIVERED.wire());

            List<Long> statusMs = new ArrayList<>();
            List<Long> readMs = new ArrayList<>();
            long statusRecords = 0;
            long receiptRecords = 0;
            long statusHeap = 0;
            long readHeap = 0;
            for (int run = 0; run <= runs; run++) {
                // The command as it is now: the campaign's status records, the job's totals.
                long base = heapAfterGc();
                long begin = System.nanoTime();
                StringWriter printed = new StringWriter();
                int code = new CommandLine(new HeraldCli())
                        .setOut(new PrintWriter(printed))
                        .execute(
                                "campaign",
                                "status",
                                CAMPAIGN,
                                "--config",
                                sandbox.configFile().toString());
                long ms = (System.nanoTime() - begin) / 1_000_000;
                if (code != 0 || number(printed.toString(), "delivered") != delivered) {
                    System.out.println("campaign status did not say the campaign is done with every delivery: exit "
                            + code + "\n" + printed);
                    return null;
                }
                try (CampaignWatcher w = watcher(kafka, sandbox, false)) {
                    w.readToEnd(Duration.ofMinutes(5));
                    statusRecords = w.recordsRead();
                    statusHeap = heapAfterGc() - base;
                }
                // What it did before: every receipt of the day read and counted on the client.
                base = heapAfterGc();
                begin = System.nanoTime();
                try (CampaignWatcher w = watcher(kafka, sandbox, true)) {
                    w.readToEnd(Duration.ofMinutes(30));
                    ReceiptCounts counts = w.counts();
                    long readMsNow = (System.nanoTime() - begin) / 1_000_000;
                    if (counts.outcome(Outcome.DELIVERED.wire()) != delivered) {
                        System.out.println("reading the receipts counted " + counts.byOutcome());
                        return null;
                    }
                    receiptRecords = w.recordsRead();
                    readHeap = heapAfterGc() - base;
                    System.out.printf(
                            "%s: campaign status %,d ms (%,d records read); reading the receipts %,d ms (%,d records, "
                                    + "%,d MB held)%n",
                            run == 0 ? "warm-up" : "run " + run,
                            ms,
                            statusRecords,
                            readMsNow,
                            receiptRecords,
                            readHeap >> 20);
                    if (run > 0) {
                        statusMs.add(ms);
                        readMs.add(readMsNow);
                    }
                }
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("notifications", notifications);
            r.put("status_ms", BenchCommand.median(statusMs));
            r.put("status_records_read", statusRecords);
            r.put("status_heap_mb", Math.max(0, statusHeap >> 20));
            r.put("receipts_read_ms", BenchCommand.median(readMs));
            r.put("receipts_records_read", receiptRecords);
            r.put("receipts_heap_mb", readHeap >> 20);
            String section = String.format(
                    "## `campaign status` at %,d notifications (`./herald bench status`)%n%n" + BenchCommand.machine()
                            + "%n%nThe topics hold what the job writes for a campaign of %,d notifications sent at "
                            + "%,d a second, in its own formats: the receipts, and on `campaign-status` its progress "
                            + "and fan-out records and its `receipts` totals every 2 s, among %d other campaigns' "
                            + "records. In-process (no JVM start), median of %d alternated runs after a warm-up; heap "
                            + "held measured after a GC with the reader still open.%n%n"
                            + "| way | time | records read | heap held |%n|---|---|---|---|%n"
                            + "| `campaign status` now (the campaign's partition of `campaign-status`, the job's totals) "
                            + "| %,d ms | %,d | %,d MB |%n"
                            + "| before: the day's receipts read and counted on the client (every id kept) "
                            + "| %,d ms | %,d | %,d MB |%n",
                    notifications,
                    notifications,
                    rate,
                    otherCampaigns,
                    runs,
                    r.get("status_ms"),
                    statusRecords,
                    r.get("status_heap_mb"),
                    r.get("receipts_read_ms"),
                    receiptRecords,
                    r.get("receipts_heap_mb"));
            BenchCommand.replaceSection(out, "## `campaign status` at", section);
            return r;
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }

    private static CampaignWatcher watcher(KafkaIO kafka, Sandbox sandbox, boolean receipts) {
        return new CampaignWatcher(
                kafka.properties(),
                CAMPAIGN,
                receipts ? sandbox.config().topics.receipts : null,
                sandbox.config().topics.campaignStatus,
                CampaignWatcher.From.since(
                        System.currentTimeMillis() - Duration.ofDays(1).toMillis()));
    }

    private static long heapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static long number(String printed, String row) {
        Matcher m = Pattern.compile("(?m)^\\s+" + row + "\\s+([\\d,]+)").matcher(printed);
        return m.find() ? Long.parseLong(m.group(1).replace(",", "")) : -1;
    }

    private static KafkaProducer<String, byte[]> producer(Properties kafka) {
        Properties p = new Properties();
        p.putAll(kafka);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 1 << 20);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 256L << 20);
        return new KafkaProducer<>(p);
    }

    /** The campaign's receipts, as its deliveries would write them: 97% delivered, 2% dead tokens, 1% failed. */
    private Map<String, Long> writeReceipts(Properties kafka, Sandbox sandbox, long t0) throws Exception {
        Map<String, Long> byOutcome = new TreeMap<>();
        OutputCodec.ReceiptWriter json = new OutputCodec.ReceiptWriter();
        Random random = new Random(42);
        String topic = sandbox.config().topics.receipts;
        try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
            for (int i = 0; i < notifications; i++) {
                SendRequest request = new SendRequest();
                request.campaignId = CAMPAIGN;
                request.userId = "user-" + (i / 2);
                request.deviceId = "device-" + i;
                request.notificationId = SendRequest.notificationId(CAMPAIGN, null, request.deviceId);
                request.appId = Sandbox.APP_ID;
                request.platform = i % 2 == 0 ? Platform.IOS : Platform.ANDROID;
                request.firedAt = t0;
                int draw = random.nextInt(100);
                Outcome outcome = draw < 97 ? Outcome.DELIVERED : draw < 99 ? Outcome.TOKEN_DEAD : Outcome.FAILED;
                String reason = outcome == Outcome.DELIVERED
                        ? null
                        : outcome == Outcome.TOKEN_DEAD ? "Unregistered" : "gave up after 3 attempts: 503";
                long ackAt = t0 + (long) i * 1000 / rate + 20 + random.nextInt(180);
                Receipt receipt =
                        Receipt.of(request, outcome, outcome == Outcome.DELIVERED ? 200 : 410, reason, 1, ackAt);
                producer.send(new ProducerRecord<>(topic, null, ackAt, request.userId, json.write(receipt)));
                byOutcome.merge(outcome.wire(), 1L, Long::sum);
            }
        }
        return byOutcome;
    }

    /**
     * What the job writes on {@code campaign-status} for the campaign (accepted, fired, each
     * instance's progress each second, its fanned_out, the receipts totals every 2 s) and for the
     * day's other campaigns, a tenth its size each.
     */
    private void writeStatuses(Properties kafka, Sandbox sandbox, long t0, Map<String, Long> byOutcome)
            throws Exception {
        String topic = sandbox.config().topics.campaignStatus;
        try (KafkaProducer<String, byte[]> producer = producer(kafka)) {
            writeCampaign(producer, topic, CAMPAIGN, notifications, t0, byOutcome);
            for (int c = 0; c < otherCampaigns; c++) {
                Map<String, Long> small = new TreeMap<>();
                byOutcome.forEach((k, v) -> small.put(k, v / 10));
                writeCampaign(producer, topic, "other-" + c, notifications / 10, t0, small);
            }
        }
    }

    private void writeCampaign(
            KafkaProducer<String, byte[]> producer,
            String topic,
            String campaignId,
            long total,
            long t0,
            Map<String, Long> byOutcome) {
        long seconds = Math.max(1, total / rate);
        send(producer, topic, CampaignStatus.of(campaignId, StatusKind.ACCEPTED, null, t0 - 1000));
        send(producer, topic, CampaignStatus.of(campaignId, StatusKind.FIRED, null, t0));
        Histogram latencies = new Histogram(2);
        latencies.setAutoResize(true);
        Random random = new Random(campaignId.hashCode());
        for (long s = 1; s <= seconds; s++) {
            long at = t0 + s * 1000;
            long done = total * s / seconds;
            for (int subtask = 0; subtask < SUBTASKS; subtask++) {
                CampaignStatus p = CampaignStatus.of(
                        campaignId, s == seconds ? StatusKind.FANNED_OUT : StatusKind.PROGRESS, null, at);
                p.subtask = subtask;
                p.subtasks = SUBTASKS;
                p.users = done / SUBTASKS / 2;
                p.targeted = done / SUBTASKS;
                p.handedOut = done / SUBTASKS;
                p.suppressed = 0L;
                p.keyGroups = 128 / SUBTASKS;
                p.keyGroupsTotal = 128;
                p.keyGroupsDone = (int) (p.keyGroups * s / seconds);
                send(producer, topic, p);
            }
            for (long n = total * (s - 1) / seconds; n < done; n += 97) {
                latencies.recordValue(s * 1000 + 20 + random.nextInt(180));
            }
            if (s % 2 == 0 || s == seconds) {
                CampaignStatus r = CampaignStatus.of(campaignId, StatusKind.RECEIPTS, null, at + 500);
                r.byOutcome = new TreeMap<>();
                for (Map.Entry<String, Long> e : byOutcome.entrySet()) {
                    r.byOutcome.put(e.getKey(), e.getValue() * s / seconds);
                }
                r.receipts =
                        r.byOutcome.values().stream().mapToLong(Long::longValue).sum();
                r.failures = new TreeMap<>(Map.of(
                        "ios Unregistered", r.byOutcome.getOrDefault(Outcome.TOKEN_DEAD.wire(), 0L) / 2,
                        "android UNREGISTERED", r.byOutcome.getOrDefault(Outcome.TOKEN_DEAD.wire(), 0L) / 2,
                        "ios gave up after 3 attempts: 503", r.byOutcome.getOrDefault(Outcome.FAILED.wire(), 0L)));
                r.latencyMs = new LinkedHashMap<>();
                r.latencyMs.put("p50", latencies.getValueAtPercentile(50));
                r.latencyMs.put("p90", latencies.getValueAtPercentile(90));
                r.latencyMs.put("p99", latencies.getValueAtPercentile(99));
                r.latencyMs.put("max", latencies.getMaxValue());
                send(producer, topic, r);
            }
        }
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, CampaignStatus s) {
        producer.send(new ProducerRecord<>(topic, null, s.at, s.campaignId, OutputCodec.campaignStatus(s)));
    }
}
