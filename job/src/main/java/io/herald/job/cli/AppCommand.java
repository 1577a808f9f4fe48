package io.herald.job.cli;

import io.herald.json.Json;
import io.herald.model.StatusKind;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code herald app pause|resume APP}: stops, and lets go on, everything an app sends (its
 * campaigns' walks and its transactional sends), with a record on the campaigns topic keyed by the
 * app, as a producer would write it. The exit codes are {@link CampaignCommand}'s.
 */
@Command(
        name = "app",
        mixinStandardHelpOptions = true,
        description = "Pause and resume everything an app sends.",
        subcommands = {AppCommand.Pause.class, AppCommand.Resume.class})
public final class AppCommand implements Runnable {
    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** Writes {@code {"type": type, "appId": id}} and waits for the job's answer about the app. */
    abstract static class AppAction extends CampaignCommand.CampaignAction {
        @Parameters(index = "0", paramLabel = "APP", description = "The app's id, as the configuration names it.")
        String appId;

        private final String type;
        private final StatusKind done;

        AppAction(String type, StatusKind done) {
            this.type = type;
            this.done = done;
        }

        @Override
        public Integer call() throws Exception {
            if (!config().appIds().contains(appId)) {
                out().println(appId + ": not an app of this deployment (" + String.join(", ", config().appIds()) + ")");
                return CampaignCommand.REFUSED_HERE;
            }
            try (CampaignWatcher w = watchFromNow(appId, false)) {
                write(appId, Json.bytes(Map.of("type", type, "appId", appId)));
                return answer(appId, awaitStatus(w, done, StatusKind.IGNORED, StatusKind.REJECTED), done);
            }
        }
    }

    /** {@code app pause APP}. */
    @Command(
            name = "pause",
            mixinStandardHelpOptions = true,
            description = "Pause an app: nothing more of any of its campaigns or sends starts toward a provider; "
                    + "what was not sent is held until a resume.")
    static final class Pause extends AppAction {
        Pause() {
            super("pause", StatusKind.PAUSED);
        }
    }

    /** {@code app resume APP}. */
    @Command(
            name = "resume",
            mixinStandardHelpOptions = true,
            description = "Resume a paused app: what was held goes out, once.")
    static final class Resume extends AppAction {
        Resume() {
            super("resume", StatusKind.RESUMED);
        }
    }
}
