package io.herald.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./herald}: the entry point of every command; each subcommand is a class of its own. */
@Command(name = "herald", mixinStandardHelpOptions = true, version = "herald 0.1.0",
        description = "Mass push notifications as one Apache Flink job.",
        subcommands = {RunCommand.class, DemoCommand.class, DevicesCommand.class, AudienceCommand.class, BenchCommand.class,
                BenchPeerCommand.class})
public final class HeraldCommand implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    public static void main(String[] args) {
        String log = System.getProperty("herald.logFile");
        boolean help = args.length == 0 || java.util.Arrays.stream(args).anyMatch(a -> a.equals("-h") || a.equals("--help"));
        if (log != null && !help) {
            System.err.println("Flink, Kafka and Netty log to " + log);
        }
        System.exit(new CommandLine(new HeraldCommand()).execute(args));
    }
}
