package io.herald.campaign;

import io.herald.model.RunawayCount;
import java.io.Serializable;
import java.time.Duration;

/**
 * An app's ceiling on what one user is sent in a rolling window, whatever sends it: every campaign
 * (exempt ones too) and every transactional send, counted once per campaign or send however many of
 * the user's devices it reaches. It is there to stop a loop upstream (the same send fired again and
 * again), not to pace marketing (that is {@link FrequencyCap}); past it the user's notifications are
 * capped, and the guard says so on {@code campaign-status} once per user and window.
 */
public final class RunawayGuard implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The same counting as a frequency cap's: at most {@code max} in the window. */
    private final FrequencyCap ceiling;

    public RunawayGuard(int max, Duration window) {
        this.ceiling = new FrequencyCap(max, window);
    }

    public int max() {
        return ceiling.max;
    }

    public Duration window() {
        return ceiling.window;
    }

    /** Whether a user with this count (null: nothing yet) may be sent another at {@code now}. */
    public boolean allows(RunawayCount count, long now) {
        return count == null || ceiling.allows(count.sentAt, now);
    }

    /** The count after one more notification at {@code now}. */
    public RunawayCount record(RunawayCount count, long now) {
        RunawayCount next = count == null ? new RunawayCount() : count;
        next.sentAt = ceiling.record(next.sentAt, now);
        return next;
    }

    /**
     * Whether a user the guard capped at {@code now} should be named on {@code campaign-status}: once
     * per window; the count remembers it.
     */
    public boolean alertDue(RunawayCount count, long now) {
        if (count.alertedAt != RunawayCount.NEVER && count.alertedAt > now - ceiling.window.toMillis()) {
            return false;
        }
        count.alertedAt = now;
        return true;
    }

    /** What a capped notification's receipt (and the alert) says. */
    public String reason(String appId) {
        return "runaway guard: " + ceiling.max + " notification" + (ceiling.max == 1 ? "" : "s") + " per user in "
                + ceiling.window + " reached (apps." + appId + ".runawayGuard)";
    }
}
