package io.herald.cli;

import io.herald.job.HeraldMain;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./herald sandbox}: the local stack (a Kafka broker, both emulators, the job with the Flink
 * web UI, optionally synthetic users), kept up until Ctrl-C, for trying Herald by hand with the
 * {@code campaign} commands and the configuration file it prints.
 */
@Command(
        name = "sandbox",
        mixinStandardHelpOptions = true,
        description = "Start Kafka, the APNs and FCM emulators and the Herald job on this machine, and keep them up "
                + "until Ctrl-C; prints the configuration file and commands to try.")
final class SandboxCommand implements Callable<Integer> {
    @Option(
            names = "--users",
            defaultValue = "10000",
            description = "Synthetic users to load (default ${DEFAULT-VALUE}; 0 for none).")
    int users;

    @picocli.CommandLine.Mixin
    SandboxOptions sandboxOptions;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("herald-sandbox-");
        Sandbox sandbox = Sandbox.start(dir, sandboxOptions.parallelism);
        JobClient job = HeraldMain.startEmbedded(sandbox.config(), sandboxOptions.webUiPort, null);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("Stopping the sandbox ...");
                            try {
                                job.cancel().get(30, TimeUnit.SECONDS);
                            } catch (Exception e) {
                                System.out.println("The job did not stop cleanly: " + e);
                            }
                            try {
                                sandbox.close();
                            } catch (Exception e) {
                                System.out.println("The sandbox did not stop cleanly: " + e);
                            }
                            TempDirs.deleteQuietly(dir);
                            System.out.println("Sandbox stopped; " + dir + " deleted.");
                            stopped.countDown();
                        },
                        "sandbox-stop"));

        if (users > 0) {
            SyntheticUsers population = sandboxOptions.population(users);
            try (KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
                if (!DeviceLoad.load(sandbox, kafka, population)) {
                    System.out.println("The job did not take in the devices within 10 minutes.");
                    return 1;
                }
            }
            System.out.printf(
                    "%,d synthetic users (%,d devices) loaded.%n",
                    users, population.devices().size());
        }
        String config = sandbox.configFile().toString();
        System.out.println();
        System.out.println("Herald sandbox is up. Ctrl-C stops it and deletes " + dir + ".");
        System.out.printf("  %-16s %s%n", "Kafka", sandbox.kafka().bootstrapServers());
        System.out.printf(
                "  %-16s 127.0.0.1:%d (app %s, topic %s)%n",
                "APNs emulator", sandbox.apns().port(), Sandbox.APP_ID, Sandbox.BUNDLE_ID);
        System.out.printf(
                "  %-16s https://127.0.0.1:%d (project %s)%n",
                "FCM emulator", sandbox.fcm().port(), Sandbox.FCM_PROJECT);
        System.out.printf(
                "  %-16s http://localhost:%d (job %s)%n", "Flink web UI", sandboxOptions.webUiPort, job.getJobID());
        System.out.printf("  %-16s %s%n", "configuration", config);
        System.out.println();
        System.out.println("Try, in another terminal (java -jar job/target/herald.jar takes the same commands):");
        String c = " --config " + config;
        System.out.println("  ./herald campaign create job/examples/campaigns/streak.json" + c);
        System.out.println("  ./herald campaign estimate streak-reminder" + c);
        System.out.println("  ./herald campaign fire streak-reminder" + c);
        System.out.println("  ./herald campaign status streak-reminder" + c);
        System.out.println("  ./herald campaign create job/examples/campaigns/loyal-ios.yaml" + c);
        System.out.println("  ./herald campaign send loyal-ios --user u00000007" + c);
        System.out.println(
                "  ./herald campaign create job/examples/campaigns/broken-segment.yaml" + c + "   (refused)");
        stopped.await();
        return 0;
    }
}
