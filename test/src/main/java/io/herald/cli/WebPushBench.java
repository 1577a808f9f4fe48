package io.herald.cli;

import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.model.Platform;
import io.herald.sandbox.DeliveryReport;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import io.herald.webpush.SubscriptionKeys;
import io.herald.webpush.WebPushDecryption;
import io.herald.webpush.WebPushEncryption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What a web push message costs to encrypt (RFC 8291: a fresh P-256 key pair, an ECDH with the
 * subscription's key, HKDF and AES-GCM), on one thread and on every core at once, beside what the
 * sandbox's push service pays to decrypt it. In-process, a warm-up first, then alternated rounds
 * (the median of each kind reported), so that the machine's noise falls on every kind alike. Then
 * end to end ({@code --users} above 0): the job on a MiniCluster with the sandbox, campaigns to the
 * web segment of a population whose browsers are a tenth of its users, each fired and counted at
 * the push service (lost, duplicated), the first run a warm-up.
 */
@Command(
        name = "webpush",
        mixinStandardHelpOptions = true,
        description = "Web push encryption per message: one thread, every core, and decryption beside it.")
final class WebPushBench extends SectionBench {
    /** A notification as a web push payload carries it: title, body, a link and some data, as JSON. */
    static final byte[] PAYLOAD = ("{\"title\":\"Hi Ana!\",\"body\":\"You are on a 12 days streak. Keep it going"
                    + " today.\",\"data\":{\"deeplink\":\"https://example.com/streak\",\"campaign\":\"streak-12\"},"
                    + "\"icon\":\"/icons/192.png\",\"tag\":\"streak\"}")
            .getBytes(StandardCharsets.UTF_8);

    @Option(
            names = "--rounds",
            defaultValue = "5",
            description = "Measured rounds of each kind, after a warm-up (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--round-ms", defaultValue = "2000", description = "Length of a round (default ${DEFAULT-VALUE}).")
    long roundMs;

    @Option(
            names = "--users",
            defaultValue = "40000",
            description =
                    "Users of the end-to-end runs, a tenth with a browser; 0 for none (default ${DEFAULT-VALUE}).")
    int users;

    @Option(
            names = "--campaigns",
            defaultValue = "3",
            description = "Measured campaigns to the web segment, after one to warm up (default ${DEFAULT-VALUE}).")
    int campaigns;

    private static final String WEB_SEGMENT = "{\"kind\":\"segment\",\"platforms\":[\"web\"]}";

    @Override
    Map<String, Object> measure() throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        WebPushDecryption browser = WebPushDecryption.generate();
        SubscriptionKeys keys = browser.subscriptionKeys();
        byte[] body = WebPushEncryption.encrypt(PAYLOAD, keys);
        ExecutorService threads = Executors.newFixedThreadPool(cores);
        try {
            // Warm-up: the JIT compiles the EC arithmetic before anything is counted.
            perSecond(threads, 1, 3 * roundMs, () -> WebPushEncryption.encrypt(PAYLOAD, keys));
            perSecond(threads, 1, roundMs, () -> browser.decrypt(body));
            List<Long> encryptOne = new ArrayList<>();
            List<Long> encryptAll = new ArrayList<>();
            List<Long> decryptOne = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                encryptOne.add(perSecond(threads, 1, roundMs, () -> WebPushEncryption.encrypt(PAYLOAD, keys)));
                decryptOne.add(perSecond(threads, 1, roundMs, () -> browser.decrypt(body)));
                encryptAll.add(perSecond(threads, cores, roundMs, () -> WebPushEncryption.encrypt(PAYLOAD, keys)));
                System.out.printf(
                        "round %d: encrypt %,d/s on one thread, %,d/s on %d; decrypt %,d/s on one thread%n",
                        round + 1, encryptOne.get(round), encryptAll.get(round), cores, decryptOne.get(round));
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("payload_bytes", PAYLOAD.length);
            r.put("encrypt_per_second_one_thread", BenchCommand.median(encryptOne));
            r.put("encrypt_us_per_message", 1_000_000 / Math.max(1, BenchCommand.median(encryptOne)));
            r.put("encrypt_per_second_all_cores", BenchCommand.median(encryptAll));
            r.put("decrypt_per_second_one_thread", BenchCommand.median(decryptOne));
            String section = String.format(
                    "## Web push encryption (`./herald bench webpush`)%n%n" + BenchCommand.machine()
                            + "%n%nOne message of %d bytes (a notification's JSON) encrypted for a subscription per RFC 8291"
                            + " (`io.herald.webpush`, the JDK's own EC, ECDH, HMAC and AES-GCM): a fresh P-256 key"
                            + " pair and salt, an ECDH with the subscription's key, HKDF, AES-128-GCM. In-process,"
                            + " warmed up, median of %d alternated rounds of %,d ms.%n%n"
                            + "| what | messages a second | per message |%n|---|---|---|%n"
                            + "| encrypt, one thread | %,d | %,d µs |%n"
                            + "| encrypt, %d threads | %,d | |%n"
                            + "| decrypt (the push service's side, the sandbox's emulator), one thread | %,d | %,d µs |%n",
                    PAYLOAD.length,
                    rounds,
                    roundMs,
                    r.get("encrypt_per_second_one_thread"),
                    r.get("encrypt_us_per_message"),
                    cores,
                    r.get("encrypt_per_second_all_cores"),
                    r.get("decrypt_per_second_one_thread"),
                    1_000_000 / Math.max(1, (Long) r.get("decrypt_per_second_one_thread")));
            if (users > 0) {
                section += endToEnd(r);
            }
            BenchCommand.replaceSection(out, "## Web push encryption", section);
            return r;
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * Campaigns to the web segment, end to end: the section's table of them, and their medians in
     * {@code r}.
     */
    private String endToEnd(Map<String, Object> r) throws Exception {
        Path dir = Files.createTempDirectory("herald-webpush-bench-");
        StringBuilder table = new StringBuilder();
        try (Sandbox sandbox = Sandbox.start(dir, 2);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            sandbox.keepPayloads(false);
            SyntheticUsers population = SyntheticUsers.generate(users, 42, 0.02);
            Predicate<SyntheticUsers.Device> browser = d -> d.platform == Platform.WEB && d.expectsDelivery();
            long browsers = population.devices().stream().filter(browser).count();
            JobClient job = HeraldMain.startEmbedded(sandbox.config(), 0, null);
            List<Long> rates = new ArrayList<>();
            List<Long> p50s = new ArrayList<>();
            List<Long> p99s = new ArrayList<>();
            try {
                if (!DeviceLoad.load(sandbox, kafka, population)) {
                    throw new IllegalStateException("the job did not take in the devices in 10 minutes");
                }
                for (int run = 0; run <= campaigns; run++) {
                    String id = "webpush-bench-" + run + "-" + System.currentTimeMillis();
                    String topic = sandbox.config().topics.campaigns;
                    sandbox.resetCounts();
                    try (CampaignWatcher w =
                            kafka.watch(id, sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus)) {
                        kafka.send(topic, id, DemoCampaign.create(id, WEB_SEGMENT));
                        kafka.flush();
                        w.awaitUntil(
                                Duration.ofMinutes(2),
                                () -> {},
                                () -> w.statuses().stream()
                                        .anyMatch(n -> "accepted"
                                                .equals(n.path("status").asText())));
                        long firedAt = System.currentTimeMillis();
                        kafka.send(topic, id, DemoCampaign.fire(id));
                        kafka.flush();
                        boolean done = w.awaitDone(Duration.ofMinutes(10), () -> {});
                        DeliveryReport report = DeliveryReport.of(population, sandbox, w, firedAt, browser);
                        String line = String.format(
                                "| %s | %,d | %,d | %,d ms | %,.0f /s | %,d / %,d ms | %d / %d |%n",
                                run == 0 ? "warm-up" : "run " + run,
                                report.targeted,
                                report.delivered,
                                report.elapsedMs,
                                report.ratePerS,
                                report.p50Ms,
                                report.p99Ms,
                                report.lost,
                                report.duplicates);
                        System.out.print(line);
                        if (!done || !report.exact()) {
                            throw new IllegalStateException(
                                    "campaign " + id + " did not reach every browser once: " + report.json());
                        }
                        if (run > 0) {
                            table.append(line);
                            rates.add(Math.round(report.ratePerS));
                            p50s.add(report.p50Ms);
                            p99s.add(report.p99Ms);
                        }
                    }
                }
            } finally {
                job.cancel().get();
            }
            r.put("e2e_browsers", browsers);
            r.put("e2e_rate_per_second", BenchCommand.median(rates));
            r.put("e2e_p50_ms", BenchCommand.median(p50s));
            r.put("e2e_p99_ms", BenchCommand.median(p99s));
            return String.format(
                    "%nEnd to end: the job on a MiniCluster (parallelism 2, RocksDB) with the sandbox (Kafka, the"
                            + " three emulators) in one process, %,d users of whom %,d have a live browser subscription;"
                            + " each campaign goes to the web segment (`platforms: [web]`), every message encrypted"
                            + " by the job and decrypted and counted by the sandbox's push service, which verifies"
                            + " its VAPID signature; the first campaign warms up. Lost and duplicated are counted at"
                            + " the push service. Median rate %,d a second, fire to ack p50 %,d ms, p99 %,d ms. Both"
                            + " ends' cryptography shares the machine here: the job's encryption and the push service's"
                            + " decryption (the table above) take about 2 ms of CPU a message between them, before"
                            + " TLS, the VAPID check, Kafka and the walk; the job's own share is the encryption alone."
                            + " Not yet profiled.%n%n"
                            + "| campaign | targeted | delivered | fire to last ack | rate | fire to ack p50 / p99 |"
                            + " lost / duplicated |%n|---|---|---|---|---|---|---|%n%s",
                    users, browsers, r.get("e2e_rate_per_second"), r.get("e2e_p50_ms"), r.get("e2e_p99_ms"), table);
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }

    /** Something measured, per call. */
    private interface Work {
        Object run() throws Exception;
    }

    /** Calls of {@code work} a second, over {@code threads} threads each calling it for {@code ms}. */
    private static long perSecond(ExecutorService pool, int threads, long ms, Work work) throws Exception {
        List<Future<Long>> counts = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + ms * 1_000_000;
        for (int t = 0; t < threads; t++) {
            counts.add(pool.submit(() -> {
                long n = 0;
                Object sink = null;
                while (System.nanoTime() < end) {
                    sink = work.run();
                    n++;
                }
                return sink == null ? 0 : n;
            }));
        }
        long total = 0;
        for (Future<Long> c : counts) {
            total += c.get();
        }
        return total * 1_000_000_000L / Math.max(1, System.nanoTime() - start);
    }
}
