package io.herald.job.cli;

import io.herald.apns.ApnsApp;
import io.herald.apns.channels.ApnsChannels;
import io.herald.apns.channels.StoragePolicy;
import io.herald.job.config.HeraldConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The APNs broadcast channel a broadcast Live Activity start needs, made by {@code campaign create}
 * before it writes the start, with the app's own APNs credentials. The channel keeps the latest
 * update for a device that is offline (message storage policy 1), so a phone back on the network
 * shows the score as it is.
 */
final class BroadcastChannels {
    private BroadcastChannels() {}

    /**
     * Creates a channel for {@code appId}'s activity.
     *
     * @return its id, or null when the app has no APNs settings or APNs refused (said on {@code out})
     */
    static String create(HeraldConfig config, String appId, Duration timeout, PrintWriter out) throws Exception {
        ApnsApp app = config.apnsApp(appId);
        if (app == null) {
            out.println("Refused, nothing written: app " + appId + " has no APNs configuration, and a broadcast"
                    + " start needs an APNs channel");
            return null;
        }
        String channel;
        try (ApnsChannels channels = ApnsChannels.forApp(app)) {
            channel = channels.create(app.topic, StoragePolicy.MOST_RECENT_MESSAGE_STORED)
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            out.println("Refused, nothing written: APNs did not create the broadcast channel: "
                    + e.getCause().getMessage());
            return null;
        } catch (TimeoutException e) {
            out.println("Refused, nothing written: APNs did not answer the channel's creation within " + timeout
                    + " (if it made one, herald channels list shows it)");
            return null;
        }
        out.println("Created APNs broadcast channel " + channel + " for the activity (app " + appId + ")");
        return channel;
    }

    /** Deletes {@code channel} of {@code appId}, saying so on {@code out}; a failure is said, not thrown. */
    static void delete(HeraldConfig config, String appId, String channel, Duration timeout, PrintWriter out)
            throws Exception {
        ApnsApp app = config.apnsApp(appId);
        try (ApnsChannels channels = ApnsChannels.forApp(app)) {
            channels.delete(app.topic, channel).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            out.println("Deleted APNs broadcast channel " + channel + ": the job refused the start");
        } catch (ExecutionException | TimeoutException e) {
            out.println("Could not delete APNs broadcast channel " + channel + " (herald channels delete " + appId + " "
                    + channel + "): " + (e.getCause() == null ? e : e.getCause().getMessage()));
        }
    }
}
