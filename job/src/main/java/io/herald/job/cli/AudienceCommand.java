package io.herald.job.cli;

import io.herald.job.config.HeraldConfig;
import io.herald.kafka.AudienceUploader;
import java.io.File;
import java.nio.file.Files;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./herald audience ...}: uploaded audience lists. */
@Command(
        name = "audience",
        mixinStandardHelpOptions = true,
        description = "Uploaded audience lists.",
        subcommands = AudienceCommand.Upload.class)
public final class AudienceCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    /** {@code ./herald audience upload --campaign ID FILE.csv --config herald.yaml}. */
    @Command(
            name = "upload",
            mixinStandardHelpOptions = true,
            description = "Stream a CSV of user ids (first column) into the audiences topic for a list campaign.")
    static final class Upload implements Callable<Integer> {
        @Option(names = "--campaign", required = true, description = "The campaign the users are the audience of.")
        String campaignId;

        @Option(names = "--config", required = true, description = "The deployment's configuration (Kafka and topics).")
        File config;

        @Parameters(index = "0", description = "The CSV file.")
        File csv;

        @Override
        public Integer call() throws Exception {
            HeraldConfig c = HeraldConfig.read(config);
            long rows;
            try (ProgressBar bar = new ProgressBarBuilder()
                    .setTaskName("Uploading")
                    .setStyle(ProgressBarStyle.ASCII)
                    .setInitialMax(Files.size(csv.toPath()))
                    .setUnit(" MB", 1_000_000)
                    .showSpeed()
                    .build()) {
                rows = AudienceUploader.upload(
                        csv.toPath(),
                        campaignId,
                        c.kafka.bootstrapServers,
                        c.kafka.properties,
                        c.topics.audiences,
                        bar::stepTo);
            }
            System.out.printf("%,d users uploaded to the audience of %s%n", rows, campaignId);
            return 0;
        }
    }
}
