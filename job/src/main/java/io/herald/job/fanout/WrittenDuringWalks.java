package io.herald.job.fanout;

import java.util.HashSet;
import java.util.Set;

/**
 * Walks read users as stored when they began; a user written since is read again through the state
 * when a walk comes to it, so a walk acts on what the user is now (an opt-out, an erase, a new
 * token). Up to {@link #MAX_USERS} users are remembered; past that, walks read every user again
 * until none is under way.
 */
final class WrittenDuringWalks {
    /** The most users remembered (about 10 MB of ids). */
    static final int MAX_USERS = 100_000;

    private final Set<String> users = new HashSet<>();
    private boolean all;

    /** {@code userId} was written; {@code walking} says whether any walk is under way. */
    void note(String userId, boolean walking) {
        if (!walking || all) {
            return;
        }
        users.add(userId);
        if (users.size() > MAX_USERS) {
            users.clear();
            all = true;
        }
    }

    boolean contains(String userId) {
        return all || users.contains(userId);
    }

    /** No walk is under way: nothing to remember. */
    void clear() {
        users.clear();
        all = false;
    }
}
