package io.herald.job.fanout.walk;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a walk has waited for on this instance, and how long, as its {@code progress} and final
 * statuses say: the deliveries' room (their send budget's next second taken, or their in-flight
 * windows full), the campaign's own pace ({@code maxPerSecond}, {@code spreadOver}), or a pause.
 * Kept per run, not checkpointed: after a restore it counts from the restore.
 */
final class WalkWaits {
    /** Why a walk does not walk. */
    enum Reason {
        /** No room in the deliveries ahead: their budget's next second is taken, or their windows are full. */
        DELIVERIES,
        /** The campaign's own pace or spread says to wait. */
        PACE,
        /** The campaign or its app is paused. */
        PAUSE;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final EnumMap<Reason, Long> total = new EnumMap<>(Reason.class);
    private Reason current;
    private long since;

    /** From {@code now} on the walk waits for {@code reason} (null: it walks). */
    void set(Reason reason, long now) {
        if (reason == current) {
            return;
        }
        close(now);
        current = reason;
        since = now;
    }

    private void close(long now) {
        if (current != null && now > since) {
            total.merge(current, now - since, Long::sum);
        }
    }

    /** What it waits for now, as written; null while it walks. */
    String current() {
        return current == null ? null : current.wire();
    }

    /** Milliseconds waited per reason up to {@code now}, the wait under way included; null if none. */
    Map<String, Long> totals(long now) {
        Map<String, Long> out = new TreeMap<>();
        total.forEach((r, ms) -> out.put(r.wire(), ms));
        if (current != null && now > since) {
            out.merge(current.wire(), now - since, Long::sum);
        }
        return out.isEmpty() ? null : out;
    }
}
