package io.herald.delivery;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which apps have had their credentials refused by the provider. Once an app's key or token is
 * refused, every further notification for it would be refused too; retrying them would be a storm
 * that can get the sender blocked. So sending for that app stops, at once and in this instance: its
 * notifications get receipts saying why, and the {@code appsStopped} gauge raises the alarm. A new
 * credential means a restart (from a savepoint), which starts afresh.
 */
public final class CredentialStop {
    private final Map<String, String> stopped = new ConcurrentHashMap<>();

    /** Records that {@code appId}'s credentials were refused, with the provider's reason. */
    public void stop(String appId, String reason) {
        stopped.putIfAbsent(appId, reason);
    }

    /** Why sending for {@code appId} stopped, or null if it has not. */
    public String reason(String appId) {
        String r = stopped.get(appId);
        return r == null
                ? null
                : "sending stopped for app " + appId + ": the provider refused its credentials (" + r + ")";
    }

    public int appsStopped() {
        return stopped.size();
    }
}
