package io.herald.cli;

import io.herald.job.HeraldMain;
import io.herald.job.bootstrap.DeviceBootstrap;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Device state: bootstrap time, device events applied per second through the real job, and
 * RocksDB bytes per device (the size of a native savepoint, which is RocksDB's own files).
 */
@Command(
        name = "devices",
        mixinStandardHelpOptions = true,
        description = "Device state: bootstrap, apply rate, bytes per device.")
final class DeviceBench extends SectionBench {
    @Option(
            names = "--users",
            defaultValue = "870000",
            description = "Synthetic users (default ${DEFAULT-VALUE}, about 1,000,000 devices).")
    int users;

    /** Measures, writes the section, and returns the figures (null if it could not measure). */
    @Override
    Map<String, Object> measure() throws Exception {
        Path dir = Files.createTempDirectory("herald-bench-");
        try {
            SyntheticUsers population = SyntheticUsers.generate(users, 42, 0.02);
            int devices = population.devices().size();
            long version = SyntheticUsers.registrationVersion();
            Path export = BenchCommand.writeExport(population, version, dir.resolve("devices.jsonl"));
            // Warm-up: a small bootstrap first, so the JIT has seen the code.
            DeviceBootstrap.run(head(export, dir, 50_000), dir.resolve("warm").toString(), Duration.ofDays(270), 2);
            DeviceBootstrap.Result boot =
                    DeviceBootstrap.run(export.toString(), dir.resolve("boot").toString(), Duration.ofDays(270), 2);
            System.out.printf("bootstrap: %,d devices in %,d ms%n", devices, boot.elapsedMs);

            long applyMs;
            long bytes;
            try (Sandbox sandbox = Sandbox.start(dir.resolve("sandbox"), 2);
                    KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
                String topic = sandbox.config().topics.devices;
                for (SyntheticUsers.Device d : population.devices()) {
                    kafka.send(topic, d.userId, d.registerEvent(Sandbox.APP_ID, version));
                }
                kafka.flush();
                long start = System.nanoTime();
                JobClient job = HeraldMain.startEmbedded(sandbox.config(), 0, null);
                if (!kafka.awaitConsumed(sandbox.config().kafka.groupId, topic, Duration.ofMinutes(20), b -> {})) {
                    System.out.println("the job did not take in the devices within 20 minutes");
                    return null;
                }
                applyMs = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("apply: %,d device events in %,d ms (job start included)%n", devices, applyMs);
                Path savepoint = dir.resolve("native");
                String written = job.triggerSavepoint(savepoint.toUri().toString(), SavepointFormatType.NATIVE)
                        .get(10, TimeUnit.MINUTES);
                bytes = size(Path.of(URI.create(written.startsWith("file:") ? written : "file:" + written)));
                job.cancel().get();
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("devices", devices);
            r.put("bootstrap_ms", boot.elapsedMs);
            r.put("device_events_per_s", Math.round(devices * 1000.0 / applyMs));
            r.put("bytes_per_device", Math.round((double) bytes / devices));
            writeTable(r);
            return r;
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }

    static String head(Path export, Path dir, int lines) throws Exception {
        Path head = dir.resolve("head.jsonl");
        try (Stream<String> all = Files.lines(export)) {
            Files.write(head, (Iterable<String>) all.limit(lines)::iterator);
        }
        return head.toString();
    }

    private static long size(Path dir) throws Exception {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    private void writeTable(Map<String, Object> r) throws Exception {
        String section = String.format(
                "## Device state (`./herald bench devices`)%n%n"
                        + BenchCommand.machine() + "%n%n"
                        + "| measure | value |%n|---|---|%n"
                        + "| devices (synthetic; ~15%% of users with two) | %,d |%n"
                        + "| bootstrap: export to savepoint, parallelism 2, after a 50,000-line warm-up | %,d ms |%n"
                        + "| device events applied per second (Kafka to RocksDB through the job, job start included) | %,d |%n"
                        + "| RocksDB bytes per device (native savepoint size / devices) | %,d |%n",
                r.get("devices"),
                r.get("bootstrap_ms"),
                r.get("device_events_per_s"),
                r.get("bytes_per_device"));
        BenchCommand.replaceSection(out, "## Device state", section);
    }
}
