package io.herald.job.fanout.walk;

import io.herald.job.functions.WalkPosition;
import io.herald.job.state.StoredUsers;
import io.herald.model.Platform;
import java.util.Collection;
import java.util.TreeMap;

/**
 * Where one cursor of a walk stands: its position in each of this instance's key groups, and the
 * users as stored when it opened, read in key order. A walk has a main cursor for every platform,
 * and one cursor per platform whose delivery window was full while the others had room: that one
 * follows behind for its platform alone, and the main cursor skips the platform in the key groups
 * it covers.
 */
final class WalkCursor {
    /** The one platform of a split-off cursor; null for the main cursor. */
    final Platform channel;
    /** This instance's key groups in this walk, in key order. */
    final TreeMap<Integer, WalkPosition> groups = new TreeMap<>();

    private StoredUsers stored;
    /** The position whose last key the cursor skips up to (after a restore or a split), and that key as stored. */
    private WalkPosition resuming;

    private byte[] resumingAfter;
    /** The key group the cursor is in, and its position. */
    private int group = -1;

    private WalkPosition position;

    WalkCursor(Platform channel) {
        this.channel = channel;
    }

    boolean isMain() {
        return channel == null;
    }

    /** A cursor for {@code platform} alone, starting where this one stands in each key group not done. */
    WalkCursor splitOff(Platform platform) {
        WalkCursor c = new WalkCursor(platform);
        for (WalkPosition p : groups.values()) {
            if (!p.done) {
                c.groups.put(p.keyGroup, p.splitOff(platform.wire()));
            }
        }
        return c;
    }

    Collection<WalkPosition> positions() {
        return groups.values();
    }

    boolean done() {
        for (WalkPosition p : groups.values()) {
            if (!p.done) {
                return false;
            }
        }
        return true;
    }

    /**
     * Moves to the next user of this cursor's key groups that it has not walked; false when there
     * is none (every group is then done). The key group changed if {@link #position()} did.
     */
    boolean next(WalkContext ctx) throws Exception {
        if (stored == null) {
            stored = ctx.openUsers();
            if (stored == null) {
                groups.values().forEach(p -> p.done = true);
                return false;
            }
        }
        while (stored.next()) {
            int g = stored.keyGroup();
            WalkPosition p = groups.get(g);
            if (p == null || p.done) {
                continue; // another instance's key group (kept after a rescale), or walked before a restore
            }
            if (g != group) {
                // Users come by key group: every group before this one is walked.
                groups.headMap(g, false).values().forEach(before -> before.done = true);
                group = g;
                position = p;
            }
            if (p.lastKey != null && walkedBefore(ctx, p)) {
                continue;
            }
            return true;
        }
        groups.values().forEach(p -> p.done = true);
        close();
        return false;
    }

    /** The position of the key group of the current user. */
    WalkPosition position() {
        return position;
    }

    StoredUsers stored() {
        return stored;
    }

    /** Whether the current user comes at or before where the cursor had got in its group (a restore, a split). */
    private boolean walkedBefore(WalkContext ctx, WalkPosition p) throws Exception {
        if (resuming != p) {
            resuming = p;
            resumingAfter = ctx.serializedKey(p.lastKey);
        }
        return stored.compareKeyTo(resumingAfter) <= 0;
    }

    /** Releases the stored users (RocksDB resources, to be released before the backend closes). */
    void close() {
        if (stored != null) {
            stored.close();
            stored = null;
        }
        // Opened again, the cursor reads from the first key group and skips what it walked.
        group = -1;
        position = null;
        resuming = null;
    }
}
