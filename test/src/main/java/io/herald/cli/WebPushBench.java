package io.herald.cli;

import io.herald.webpush.SubscriptionKeys;
import io.herald.webpush.WebPushDecryption;
import io.herald.webpush.WebPushEncryption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What a web push message costs to encrypt (RFC 8291: a fresh P-256 key pair, an ECDH with the
 * subscription's key, HKDF and AES-GCM), on one thread and on every core at once, beside what the
 * sandbox's push service pays to decrypt it. In-process, a warm-up first, then alternated rounds
 * (the median of each kind reported), so that the machine's noise falls on every kind alike.
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
            BenchCommand.replaceSection(out, "## Web push encryption", section);
            return r;
        } finally {
            threads.shutdownNow();
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
