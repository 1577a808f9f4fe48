package io.herald.cli;

import io.herald.job.cli.AppCommand;
import io.herald.job.cli.AudienceCommand;
import io.herald.job.cli.AuditCommand;
import io.herald.job.cli.CampaignCommand;
import io.herald.job.cli.DevicesCommand;
import io.herald.job.cli.HeraldCli;
import io.herald.job.cli.RunCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./herald}: the operator's commands of {@code herald.jar} ({@link HeraldCli}) and the
 * sandbox's own: demo, sandbox, bench.
 */
@Command(
        name = "herald",
        mixinStandardHelpOptions = true,
        version = "herald 0.1.0",
        description = "Mass push notifications as one Apache Flink job.",
        subcommands = {
            RunCommand.class,
            CampaignCommand.class,
            AppCommand.class,
            AuditCommand.class,
            DevicesCommand.class,
            AudienceCommand.class,
            DemoCommand.class,
            SandboxCommand.class,
            BenchCommand.class,
            BenchPeerCommand.class
        })
public final class HeraldCommand implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(HeraldCli.execute(new HeraldCommand(), args));
    }
}
