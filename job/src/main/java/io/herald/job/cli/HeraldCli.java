package io.herald.job.cli;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar herald.jar}: the commands an operator runs against a deployment, from the built
 * jar and a JDK. The sandbox's {@code ./herald} has these and its own (demo, sandbox, bench).
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
            ChannelsCommand.class
        })
public final class HeraldCli implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(new HeraldCli(), args));
    }

    /**
     * Runs {@code top} with {@code args}. Flink's, Kafka's and Netty's logs go to a file (named by
     * the {@code herald.logFile} property, or under {@code .herald/logs/}), whose path is printed
     * first, so that the terminal shows the command's own lines. Call before any logger is made.
     */
    public static int execute(Object top, String[] args) {
        boolean help = args.length == 0
                || Arrays.stream(args)
                        .anyMatch(a -> a.equals("-h") || a.equals("--help") || a.equals("-V") || a.equals("--version"));
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "classpath:herald-log4j2.xml");
        }
        if (System.getProperty("herald.logFile") == null) {
            String name = "herald-" + (args.length == 0 ? "help" : args[0]) + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".log";
            System.setProperty(
                    "herald.logFile",
                    Path.of(".herald", "logs", name).toAbsolutePath().toString());
        }
        if (!help) {
            System.err.println("Flink, Kafka and Netty log to " + System.getProperty("herald.logFile"));
        }
        CommandLine cli = new CommandLine(top);
        cli.setExecutionExceptionHandler((e, command, parsed) -> {
            if (e instanceof ConfigOption.Unreadable) {
                command.getErr().println(e.getMessage());
                return CampaignCommand.REFUSED_HERE;
            }
            throw e;
        });
        try {
            return cli.execute(args);
        } finally {
            // picocli's writers flush on println only: a command whose last output is a print (the
            // estimate's table) would otherwise end the process with it still in the buffer.
            cli.getOut().flush();
            cli.getErr().flush();
        }
    }
}
