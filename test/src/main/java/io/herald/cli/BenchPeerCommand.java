package io.herald.cli;

import io.herald.sandbox.ArrivalTimes;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark's other JVM: Kafka and both emulators (the {@link Sandbox}), so that the JVM running
 * the job holds the job alone and its CPU time and memory are the job's own. It also bootstraps the
 * users' savepoints, for the same reason. Driven by {@link BenchPeer} over stdin; answers are the
 * stdout lines that start with {@code @}.
 */
@Command(
        name = "bench-peer",
        hidden = true,
        description = "Kafka and the emulators for ./herald bench, in a JVM of their own.")
final class BenchPeerCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true)
    Path dir;

    @Option(names = "--state-cache", required = true)
    Path stateCache;

    @Option(names = "--parallelism", defaultValue = "2")
    int parallelism;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        try (Sandbox sandbox = Sandbox.start(dir, parallelism)) {
            sandbox.keepPayloads(false);
            out.println("@ready " + sandbox.configFile());
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            ArrivalTimes arrivals = null;
            ArrivalTimes apnsArrivals = null;
            ArrivalTimes fcmArrivals = null;
            for (String line; (line = in.readLine()) != null; ) {
                String[] words = line.trim().split(" ");
                switch (words[0]) {
                    case "users": {
                        // The tokens of this population become live (or dead) at the emulators.
                        // Phones only: the job's users come from a savepoint kept between runs
                        // (BenchCommand.usersSavepoint), which browsers' subscriptions cannot outlive.
                        SyntheticUsers users = SyntheticUsers.generate(Integer.parseInt(words[1]), 42, 0.02)
                                .phonesOnly();
                        users.registerWith(sandbox);
                        long live = users.devices().stream()
                                .filter(SyntheticUsers.Device::expectsDelivery)
                                .count();
                        out.println("@users " + users.devices().size() + " " + live);
                        break;
                    }
                    case "savepoint":
                        out.println(
                                "@savepoint " + BenchCommand.usersSavepoint(stateCache, Integer.parseInt(words[1])));
                        break;
                    case "reset":
                        // Counts start again (before the fire time is taken: see BenchPeer.arm).
                        sandbox.resetCounts();
                        out.println("@reset");
                        break;
                    case "arm":
                        // Arrival times are kept from the fire time on.
                        long fireAt = Long.parseLong(words[1]);
                        arrivals = new ArrivalTimes(fireAt, 3_600_000);
                        apnsArrivals = new ArrivalTimes(fireAt, 3_600_000);
                        fcmArrivals = new ArrivalTimes(fireAt, 3_600_000);
                        sandbox.apns().tokens().recordArrivals(arrivals, apnsArrivals);
                        sandbox.fcm().tokens().recordArrivals(arrivals, fcmArrivals);
                        out.println("@armed");
                        break;
                    case "count":
                        out.println("@count " + sandbox.received());
                        break;
                    case "latency": {
                        long ms = Long.parseLong(words[1]);
                        double jitter = Double.parseDouble(words[2]);
                        sandbox.apns().faults().latencyMs(ms, jitter);
                        sandbox.fcm().faults().latencyMs(ms, jitter);
                        out.println("@latency");
                        break;
                    }
                    case "stats":
                        out.println(
                                arrivals == null
                                        ? "@stats 0 0 0 0 0"
                                        : "@stats " + arrivals.count() + " "
                                                + arrivals.quantileMs(0.5) + " " + arrivals.quantileMs(0.99) + " "
                                                + arrivals.quantileMs(1.0)
                                                + " " + arrivals.quantileMs(0));
                        break;
                    case "series": {
                        int bucket = Integer.parseInt(words[1]);
                        out.println(
                                arrivals == null
                                        ? "@series  "
                                        : "@series " + joined(apnsArrivals.perBucket(bucket)) + " "
                                                + joined(fcmArrivals.perBucket(bucket)));
                        break;
                    }
                    case "quit":
                        return 0;
                    default:
                        out.println("@error unknown command " + words[0]);
                }
                out.flush();
            }
            return 0;
        }
    }

    private static String joined(long[] values) {
        return Arrays.stream(values).mapToObj(Long::toString).collect(Collectors.joining(","));
    }
}
