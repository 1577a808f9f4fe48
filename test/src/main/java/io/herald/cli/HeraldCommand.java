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
        System.exit(new CommandLine(new HeraldCommand()).execute(args));
    }
}
