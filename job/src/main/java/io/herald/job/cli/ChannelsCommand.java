package io.herald.job.cli;

import io.herald.apns.ApnsApp;
import io.herald.apns.channels.ApnsChannels;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code herald channels list|delete APP}: an app's APNs broadcast channels, through APNs's channel
 * management API with the app's own credentials. {@code campaign create} makes a channel for a
 * broadcast Live Activity start; these find and remove them (an app may hold only so many).
 */
@Command(
        name = "channels",
        mixinStandardHelpOptions = true,
        description = "List and delete an app's APNs broadcast channels (Live Activities).",
        subcommands = {ChannelsCommand.ListChannels.class, ChannelsCommand.DeleteChannels.class})
public final class ChannelsCommand implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** Finds the app's APNs settings and runs one call against its channels. */
    abstract static class ChannelAction implements Callable<Integer> {
        @Mixin
        ConfigOption deployment;

        @Parameters(index = "0", paramLabel = "APP", description = "The app's id, as the configuration names it.")
        String appId;

        @Option(
                names = "--timeout",
                defaultValue = "PT30S",
                paramLabel = "DURATION",
                description = "How long to wait for APNs, as ISO-8601 (default ${DEFAULT-VALUE}).")
        Duration timeout;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            ApnsApp app = deployment.config().apnsApp(appId);
            if (app == null) {
                spec.commandLine().getOut().println(appId + ": no APNs app of this deployment has that id");
                return CampaignCommand.REFUSED_HERE;
            }
            try (ApnsChannels channels = ApnsChannels.forApp(app)) {
                return run(channels, app);
            } catch (ExecutionException e) {
                spec.commandLine()
                        .getOut()
                        .println("APNs refused: " + e.getCause().getMessage());
                return CampaignCommand.REFUSED_BY_JOB;
            }
        }

        abstract int run(ApnsChannels channels, ApnsApp app) throws Exception;

        long millis() {
            return timeout.toMillis();
        }
    }

    /** {@code channels list APP}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "Print the app's channel ids, one a line.")
    static final class ListChannels extends ChannelAction {
        @Override
        int run(ApnsChannels channels, ApnsApp app) throws Exception {
            List<String> ids = channels.list(app.topic).get(millis(), TimeUnit.MILLISECONDS);
            ids.forEach(spec.commandLine().getOut()::println);
            return CampaignCommand.OK;
        }
    }

    /** {@code channels delete APP CHANNEL...}. */
    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete channels of the app.")
    static final class DeleteChannels extends ChannelAction {
        @Parameters(index = "1..*", paramLabel = "CHANNEL", description = "The channel ids to delete.")
        List<String> channelIds = List.of();

        @Override
        int run(ApnsChannels channels, ApnsApp app) throws Exception {
            for (String id : channelIds) {
                channels.delete(app.topic, id).get(millis(), TimeUnit.MILLISECONDS);
                spec.commandLine().getOut().println("Deleted " + id);
            }
            return CampaignCommand.OK;
        }
    }
}
