package io.herald.cli;

import io.herald.json.Json;
import io.herald.kafka.AnswerLog;
import io.herald.kafka.EarlierRuns;
import io.herald.model.Answer;
import io.herald.model.CampaignStatus;
import io.herald.model.Outcome;
import io.herald.model.StatusKind;
import io.herald.sandbox.EmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./herald bench replay}: what a job restored from an old savepoint reads of earlier runs
 * before it starts, and how long that takes. Fills a real broker's {@code answers} and
 * {@code campaign-status} topics with the records of finished campaigns and one unfinished one, the
 * way the job writes them, then times {@link EarlierRuns#read} as one fan-out instance of two does it.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = "Time the read of earlier runs' answers and statuses that a restore does.")
final class ReplayBench extends SectionBench {
    @Option(
            names = "--answers",
            defaultValue = "5000000",
            description = "Answers on record, of finished campaigns (default ${DEFAULT-VALUE}).")
    int answers;

    @Option(names = "--campaigns", defaultValue = "50", description = "Finished campaigns (default ${DEFAULT-VALUE}).")
    int campaigns;

    @Option(
            names = "--unfinished",
            defaultValue = "200000",
            description = "Answers of the one campaign left unfinished (default ${DEFAULT-VALUE}).")
    int unfinished;

    private static final int MAX_PARALLELISM = 128;
    private static final int PARTITIONS = 4;

    @Override
    Map<String, Object> measure() throws Exception {
        Path dir = Files.createTempDirectory("herald-replay-");
        Map<String, Object> r = new LinkedHashMap<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            kafka.createTopics(Map.of("answers", PARTITIONS, "campaign-status", PARTITIONS));
            AnswerLog log = new AnswerLog(kafka.bootstrapServers(), "answers", Map.of());
            long perCampaign = answers / campaigns;
            long writing = System.nanoTime();
            long bytes = write(kafka.bootstrapServers(), perCampaign);
            double writeSeconds = (System.nanoTime() - writing) / 1e9;
            System.out.printf(
                    "Wrote %,d answers (%,d bytes) and the statuses of %d campaigns in %.1f s%n",
                    (long) campaigns * perCampaign + unfinished, bytes, campaigns + 1, writeSeconds);

            EarlierRuns runs = new EarlierRuns(log, "campaign-status");
            // Instance 0 of 2: the users of key groups 0..63.
            EarlierRuns.Found warm =
                    runs.read(0, u -> KeyGroupRangeAssignment.assignToKeyGroup(u, MAX_PARALLELISM) < 64);
            EarlierRuns.Found found =
                    runs.read(0, u -> KeyGroupRangeAssignment.assignToKeyGroup(u, MAX_PARALLELISM) < 64);
            long records = found.answersRead;
            double perSecond = records * 1000.0 / Math.max(1, found.millis);
            r.put("answersRead", records);
            r.put("statusesRead", found.statusesRead);
            r.put("millis", found.millis);
            r.put("warmUpMillis", warm.millis);
            r.put("answersPerSecond", Math.round(perSecond));
            r.put("bytesPerAnswer", bytes / Math.max(1, records));
            r.put("finished", found.finished.size());
            r.put("answersKept", found.answers.size());
            System.out.printf(
                    "Read %,d statuses and %,d answers in %,d ms (%,.0f answers/s); %d campaigns finished, "
                            + "%,d answers kept%n",
                    found.statusesRead, records, found.millis, perSecond, found.finished.size(), found.answers.size());
            writeSection(r, perSecond, bytes / Math.max(1, records));
        }
        return r;
    }

    /**
     * Answers per record: what one delivery instance gathers in its 2 ms at the bench's end-to-end
     * rate (about 70,000 a second over four instances).
     */
    private static final int GATHERED = 35;

    /** The answers and statuses of {@code campaigns} finished campaigns and one unfinished; returns the answers' bytes. */
    private long write(String bootstrap, long perCampaign) throws Exception {
        Properties p = new Properties();
        p.setProperty("bootstrap.servers", bootstrap);
        p.setProperty("linger.ms", "5");
        p.setProperty("batch.size", "262144");
        p.setProperty("compression.type", "lz4");
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int c = 0; c <= campaigns; c++) {
                boolean finished = c < campaigns;
                String campaignId = "campaign-" + c;
                long n = finished ? perCampaign : unfinished;
                List<Answer> gathered = new ArrayList<>(GATHERED);
                for (long i = 0; i < n; i++) {
                    Answer a = new Answer();
                    a.userId = "user-" + i;
                    a.campaignId = campaignId;
                    a.notificationId = campaignId + "/device-" + i;
                    a.outcome = Outcome.DELIVERED;
                    a.providerStatus = 200;
                    a.attempts = 1;
                    a.ackAt = System.currentTimeMillis();
                    gathered.add(a);
                    if (gathered.size() == GATHERED || i == n - 1) {
                        byte[] value = AnswerLog.encode(gathered);
                        bytes += value.length;
                        producer.send(new ProducerRecord<>("answers", value));
                        gathered.clear();
                    }
                }
                // What the fan-out writes when a walk ends: one fanned_out per instance, two instances.
                for (int subtask = 0; subtask < (finished ? 2 : 1); subtask++) {
                    CampaignStatus s =
                            CampaignStatus.of(campaignId, StatusKind.FANNED_OUT, null, System.currentTimeMillis());
                    s.subtask = subtask;
                    s.subtasks = 2;
                    s.keyGroups = MAX_PARALLELISM / 2;
                    s.keyGroupsTotal = MAX_PARALLELISM;
                    s.targeted = n / 2;
                    s.handedOut = n / 2;
                    producer.send(new ProducerRecord<>(
                            "campaign-status", campaignId.getBytes(), Json.MAPPER.writeValueAsBytes(s)));
                }
            }
            producer.flush();
        }
        return bytes;
    }

    private void writeSection(Map<String, Object> r, double perSecond, long bytesPerAnswer) throws Exception {
        double hourAtBench = 45_000.0 * 3600;
        double hourAtAirship = 2.5e9 / 24;
        String section = String.format(
                "## Starting from an old savepoint (`./herald bench replay`)%n%n"
                        + "A job restored from a savepoint reads what earlier runs wrote since it, up to the replay window "
                        + "(`replay.resumeCampaignsFiredWithinMs`, 1 h by default): `campaign-status` (read committed), then "
                        + "the `answers` topic, once per fan-out instance at start (and the deliveries read the answers of "
                        + "their own restored in-flight notifications, since the savepoint only). It keeps the answers of "
                        + "unfinished campaigns only, for its own users. Measured here with %,d answers of %d finished "
                        + "campaigns and %,d of one unfinished one on an in-process broker (%d partitions), read as "
                        + "instance 0 of 2, after one warm-up read:%n%n"
                        + "| statuses read | answers read | time | answers/s | bytes per answer | finished campaigns | answers kept |%n"
                        + "|---:|---:|---:|---:|---:|---:|---:|%n"
                        + "| %,d | %,d | %,d ms | %,.0f | %d | %s | %,d |%n%n"
                        + "A savepoint a day old reads one hour (the window), however old it is. At the bench's end-to-end rate "
                        + "sustained for that whole hour (45,000 notifications/s, %,.0f answers) that read takes about %.0f s "
                        + "per fan-out instance; at Urban Airship's 2.5 billion a day spread evenly (%,.0f an hour), about %.0f s. "
                        + "(Both are the measured read rate applied to an hour's answers.) The statuses are read first and are "
                        + "few: a few per instance per campaign and one progress record per instance per second of walk; the "
                        + "time above includes them.%n",
                answers,
                campaigns,
                unfinished,
                PARTITIONS,
                r.get("statusesRead"),
                r.get("answersRead"),
                r.get("millis"),
                perSecond,
                bytesPerAnswer,
                r.get("finished"),
                r.get("answersKept"),
                hourAtBench,
                hourAtBench / perSecond,
                hourAtAirship,
                hourAtAirship / perSecond);
        BenchCommand.replaceSection(out, "## Starting from an old savepoint", section);
    }
}
