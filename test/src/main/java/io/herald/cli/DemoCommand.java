package io.herald.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.job.HeraldMain;
import io.herald.job.cli.CampaignWatcher;
import io.herald.job.cli.WatchDisplay;
import io.herald.model.StatusKind;
import io.herald.report.CampaignReport;
import io.herald.sandbox.DeliveryReport;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.DemoExperiment;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticApp;
import io.herald.sandbox.SyntheticUsers;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./herald demo}: the whole path on this machine. Starts the sandbox and the real job, loads
 * synthetic users through the devices topic, fires a campaign at all of them, and judges delivery by
 * what the emulators received. Exits 1 if any notification was lost or sent twice.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Run Herald end to end on this machine and deliver a campaign to synthetic users.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--users", defaultValue = "100000", description = "Synthetic users (default ${DEFAULT-VALUE}).")
    int users;

    @picocli.CommandLine.Mixin
    SandboxOptions sandboxOptions;

    @Option(
            names = "--report",
            paramLabel = "FILE.html",
            description = "Also write a self-contained HTML report "
                    + "with charts: delivery rate per provider, fire-to-ack times, outcomes and reasons.")
    Path reportFile;

    @Option(
            names = "--external-job",
            description = "Start no job: submit Herald yourself (for example with "
                    + "`flink run` on a cluster) with the configuration file the sandbox prints, and the demo goes on "
                    + "once that job has taken in the devices.")
    boolean externalJob;

    @Option(
            names = "--experiment",
            description = "Fire an experiment instead: two arms and a holdout, whose synthetic users open and "
                    + "buy with known probabilities that differ by arm; print the job's results and whether their "
                    + "intervals hold those probabilities. Tokens are all live here.")
    boolean experiment;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("herald-demo-");
        try (Sandbox sandbox = Sandbox.start(dir, sandboxOptions.parallelism);
                KafkaIO kafka = new KafkaIO(sandbox.kafka().bootstrapServers())) {
            say("Sandbox up: Kafka " + sandbox.kafka().bootstrapServers() + ", APNs emulator :"
                    + sandbox.apns().port() + ", FCM emulator :" + sandbox.fcm().port() + ", web push service :"
                    + sandbox.web().port() + ", config " + sandbox.configFile());
            // An experiment's users all have live tokens: the users the job sends an arm to are then
            // the users whose phones show it, as the app's behaviour assumes.
            SyntheticUsers population = experiment
                    ? SyntheticUsers.generate(users, sandboxOptions.seed, 0.0)
                    : sandboxOptions.population(users);

            JobClient job = null;
            if (externalJob) {
                say("Waiting for a Herald job started with --config " + sandbox.configFile());
            } else {
                job = HeraldMain.startEmbedded(sandbox.config(), sandboxOptions.webUiPort, null);
                say("Herald job " + job.getJobID() + " running; Flink web UI on http://localhost:"
                        + sandboxOptions.webUiPort);
            }
            if (!DeviceLoad.load(sandbox, kafka, population)) {
                say("The job did not take in the devices within 10 minutes.");
                return 1;
            }

            String campaignId = "demo-" + System.currentTimeMillis();
            String campaigns = sandbox.config().topics.campaigns;
            kafka.send(
                    campaigns,
                    campaignId,
                    experiment ? DemoExperiment.create(campaignId) : DemoCampaign.create(campaignId, DemoCampaign.ALL));
            kafka.send(campaigns, campaignId, DemoCampaign.estimate(campaignId));
            kafka.flush();
            CampaignWatcher.Estimate estimate;
            try (CampaignWatcher estimating =
                    kafka.watch(campaignId, sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus)) {
                estimate = estimating.awaitEstimate(Duration.ofMinutes(5));
                if (estimate == null) {
                    say("No estimate came back: " + estimating.rejection());
                    return 1;
                }
                System.out.print(estimate.table(campaignId));
            }
            long firedAt = System.currentTimeMillis();
            Sandbox.Arrivals arrivals = sandbox.recordArrivals(firedAt);
            kafka.send(campaigns, campaignId, DemoCampaign.fire(campaignId));
            kafka.flush();
            say("Fired campaign " + campaignId + " at every user.");

            try (CampaignWatcher watcher =
                    kafka.watch(campaignId, sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus)) {
                // The estimate says how many the fire targets; receipts come in at every checkpoint.
                ProgressBar bar = DeviceLoad.bar("Sent", estimate.targeted);
                boolean done = watcher.awaitDone(Duration.ofMinutes(10), () -> {
                    if (watcher.fanOutComplete()) {
                        bar.maxHint(watcher.targeted());
                    }
                    bar.stepTo(watcher.distinctReceipts());
                });
                bar.close();
                if (watcher.rejection() != null) {
                    say("The campaign was rejected: " + watcher.rejection());
                    return 1;
                }
                DeliveryReport report = experiment
                        ? DeliveryReport.of(
                                population,
                                sandbox,
                                watcher,
                                firedAt,
                                d -> d.expectsDelivery() && !DemoExperiment.heldOut(campaignId, d))
                        : DeliveryReport.of(population, sandbox, watcher, firedAt);
                if (experiment && done) {
                    results(sandbox, kafka, watcher, campaignId, population);
                }
                if (job != null) {
                    job.cancel().get();
                }
                System.out.println(report.table());
                watcher.failureReasons().forEach((reason, n) -> System.out.printf("  failed: %-40s %,8d%n", reason, n));
                if (!done) {
                    say("Not every targeted device had a receipt after 10 minutes.");
                }
                say("Campaign " + campaignId + ": " + watcher.state().name().toLowerCase() + ".");
                if (reportFile != null) {
                    CampaignReport.page(campaignId, report, watcher, arrivals).write(reportFile);
                    say("Report written to " + reportFile.toAbsolutePath());
                }
                System.err.flush();
                System.out.println(report.json());
                return done && report.exact() ? 0 : 1;
            }
        } finally {
            TempDirs.deleteQuietly(dir);
        }
    }

    /** The synthetic app's users react; the job's results are printed when they have counted it all. */
    private static void results(
            Sandbox sandbox, KafkaIO kafka, CampaignWatcher watcher, String campaignId, SyntheticUsers population)
            throws Exception {
        Map<String, SyntheticApp.Reported> reported =
                DemoExperiment.react(new SyntheticApp(sandbox, kafka, 5), campaignId, population);
        long converted = reported.values().stream().mapToLong(r -> r.converted).sum();
        say("The app's users opened and bought: " + reported);
        boolean counted = watcher.awaitUntil(Duration.ofMinutes(2), () -> {}, () -> {
            List<JsonNode> results = watcher.statuses(StatusKind.RESULTS);
            return !results.isEmpty()
                    && DemoExperiment.rows(results.get(results.size() - 1)).values().stream()
                                    .mapToLong(r -> r.path("converted").asLong())
                                    .sum()
                            == converted;
        });
        if (!counted) {
            say("The job's results did not count every reported purchase within 2 minutes.");
        }
        new WatchDisplay(watcher, campaignId, new PrintWriter(System.out, true)).results();
        List<JsonNode> results = watcher.statuses(StatusKind.RESULTS);
        if (!results.isEmpty()) {
            System.out.print(DemoExperiment.coverage(results.get(results.size() - 1)));
        }
    }

    private static void say(String line) {
        System.out.println(line);
    }
}
