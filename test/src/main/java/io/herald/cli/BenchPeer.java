package io.herald.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The benchmark driver's hold on {@link BenchPeerCommand}: starts it as a separate JVM with the same
 * class path and asks it questions, one line each. The peer's own log lines are passed through to
 * this process's stderr.
 */
final class BenchPeer implements AutoCloseable {
    private final Process process;
    private final PrintWriter commands;
    private final BufferedReader answers;
    private final Path configFile;

    private BenchPeer(Process process) throws IOException {
        this.process = process;
        this.commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        this.configFile = Path.of(answer("ready"));
    }

    /** Starts the peer with its sandbox under {@code dir}, bootstrapped users cached under {@code stateCache}. */
    static BenchPeer start(Path dir, Path stateCache, int parallelism, String heap) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The same JVM flags as this one (the --add-opens Flink needs), but the peer's own heap.
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("-Dlog4j2")) {
                command.add(arg);
            }
        }
        command.add("-Xmx" + heap);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(HeraldCommand.class.getName());
        command.add("bench-peer");
        command.add("--dir=" + dir.toAbsolutePath());
        command.add("--state-cache=" + stateCache.toAbsolutePath());
        command.add("--parallelism=" + parallelism);
        Process p = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        return new BenchPeer(p);
    }

    /** The job's configuration, pointing at the peer's broker and emulators. */
    File configFile() {
        return configFile.toFile();
    }

    /** Registers the tokens of {@code users} synthetic users; returns {devices, devices expecting delivery}. */
    long[] users(int users) throws IOException {
        return longs(ask("users " + users, "users"));
    }

    /** A savepoint with {@code users} synthetic users, bootstrapped by the peer (or cached). */
    String savepoint(int users) throws IOException {
        return ask("savepoint " + users, "savepoint");
    }

    /**
     * Starts counting deliveries again and keeps arrival times from now on; returns now, the time to
     * send the fire at. The counts are cleared first, before the time is taken: clearing every
     * registered token's counter is the emulators' time, not the job's (timed after it, fire to first
     * notification read 125 ms in a full bench run; timed before it, 6 ms).
     */
    long arm() throws IOException {
        ask("reset", "reset");
        long fireMillis = System.currentTimeMillis();
        ask("arm " + fireMillis, "armed");
        return fireMillis;
    }

    /**
     * Both emulators answer {@code ms} later from now on, each stretch of answers within
     * ±{@code jitter} of it (the sandbox's {@code Faults.latencyMs(ms, jitter)}).
     */
    void latency(long ms, double jitter) throws IOException {
        ask("latency " + ms + " " + jitter, "latency");
    }

    /** Deliveries accepted by both emulators since the last {@link #arm}. */
    long delivered() throws IOException {
        return Long.parseLong(ask("count", "count"));
    }

    /** {count, p50, p99, last, first} of the arrivals since {@link #arm}, in ms after the fire time. */
    long[] arrivalStats() throws IOException {
        return longs(ask("stats", "stats"));
    }

    /**
     * The arrivals since {@link #arm} per bucket of {@code bucketMs} after the fire time: the APNs
     * emulator's, then the FCM emulator's.
     */
    long[][] arrivalSeries(int bucketMs) throws IOException {
        String[] providers = ask("series " + bucketMs, "series").split(" ", -1);
        long[][] series = new long[2][];
        for (int i = 0; i < 2; i++) {
            series[i] = providers.length > i && !providers[i].isEmpty()
                    ? Arrays.stream(providers[i].split(","))
                            .mapToLong(Long::parseLong)
                            .toArray()
                    : new long[0];
        }
        return series;
    }

    private String ask(String command, String answer) throws IOException {
        commands.println(command);
        return answer(answer);
    }

    private String answer(String kind) throws IOException {
        for (String line; (line = answers.readLine()) != null; ) {
            if (line.startsWith("@error")) {
                throw new IOException("bench peer: " + line);
            }
            if (line.startsWith("@" + kind)) {
                return line.substring(kind.length() + 1).trim();
            }
            System.err.println(line);
        }
        throw new IOException("the bench peer ended (exit " + (process.isAlive() ? "?" : process.exitValue()) + ")");
    }

    /** The peer process's CPU time so far (Kafka and both emulators), in nanoseconds. */
    long cpuNanos() {
        return process.toHandle()
                .info()
                .totalCpuDuration()
                .orElseThrow(() -> new IllegalStateException("the peer's CPU time cannot be read here"))
                .toNanos();
    }

    private static long[] longs(String words) {
        String[] w = words.split(" ");
        long[] r = new long[w.length];
        for (int i = 0; i < w.length; i++) {
            r[i] = Long.parseLong(w[i]);
        }
        return r;
    }

    @Override
    public void close() throws Exception {
        commands.println("quit");
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
