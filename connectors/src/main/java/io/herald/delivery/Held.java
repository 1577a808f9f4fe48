package io.herald.delivery;

import io.herald.model.SendRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a delivery holds while a campaign or a whole app is paused: which are paused, and the
 * notifications of theirs not sent yet, oldest first, until the resume. Touched on the task thread
 * only; its contents go into every checkpoint with the notifications in flight.
 *
 * <p>Bounded: a notification that arrives for a paused campaign or app while {@code limit} are held
 * is not taken ({@link #offer} says no, and the delivery writes it a {@code failed} receipt saying
 * so). Those taken back from the window at the pause always are: they are in memory already.
 */
final class Held {
    private final Set<String> campaigns = new LinkedHashSet<>();
    private final Set<String> apps = new LinkedHashSet<>();
    private final ArrayDeque<SendRequest> requests = new ArrayDeque<>();
    private final int limit;

    Held(int limit) {
        this.limit = limit;
    }

    /** Whether {@code request} is to be held: its campaign or its app is paused. */
    boolean holds(SendRequest request) {
        return (!campaigns.isEmpty() && campaigns.contains(request.campaignId))
                || (!apps.isEmpty() && apps.contains(request.appId));
    }

    /** What a {@link SendRequest.Control#PAUSE} pauses: its campaign, or its app when it names none. */
    void pause(SendRequest control) {
        (control.campaignId != null ? campaigns : apps)
                .add(control.campaignId != null ? control.campaignId : control.appId);
    }

    /** Ends a pause; returns the notifications no longer held, oldest first. */
    List<SendRequest> resume(SendRequest control, long now) {
        if (control.campaignId != null) {
            campaigns.remove(control.campaignId);
        } else {
            apps.remove(control.appId);
        }
        List<SendRequest> free = new ArrayList<>();
        for (Iterator<SendRequest> it = requests.iterator(); it.hasNext(); ) {
            SendRequest r = it.next();
            if (!holds(r)) {
                it.remove();
                free.add(released(r, now));
            }
        }
        return free;
    }

    /** A campaign cancelled: it is no longer paused, and its held notifications are returned, never to be sent. */
    List<SendRequest> cancel(String campaignId, long now) {
        campaigns.remove(campaignId);
        List<SendRequest> cancelled = new ArrayList<>();
        for (Iterator<SendRequest> it = requests.iterator(); it.hasNext(); ) {
            SendRequest r = it.next();
            if (campaignId.equals(r.campaignId)) {
                it.remove();
                cancelled.add(released(r, now));
            }
        }
        return cancelled;
    }

    /** Holds a notification that just arrived, if there is room. */
    boolean offer(SendRequest request, long now) {
        if (requests.size() >= limit) {
            return false;
        }
        add(request, now);
        return true;
    }

    /** Holds a notification taken back from the window, whatever the bound. */
    void add(SendRequest request, long now) {
        if (request.heldSince == 0) {
            request.heldSince = now;
        }
        requests.add(request);
    }

    /** No longer held: the time it was is added to what its receipt will say. */
    private static SendRequest released(SendRequest r, long now) {
        if (r.heldSince > 0) {
            r.heldMs += Math.max(0, now - r.heldSince);
            r.heldSince = 0;
        }
        return r;
    }

    /** Takes out the held notifications that expired by {@code now}: they are never to be sent. */
    List<SendRequest> expired(long now) {
        List<SendRequest> expired = new ArrayList<>();
        for (Iterator<SendRequest> it = requests.iterator(); it.hasNext(); ) {
            SendRequest r = it.next();
            if (r.expiresAt != null && now > r.expiresAt) {
                it.remove();
                expired.add(released(r, now));
            }
        }
        return expired;
    }

    int size() {
        return requests.size();
    }

    int limit() {
        return limit;
    }

    Iterable<SendRequest> requests() {
        return requests;
    }

    List<String> pausedCampaigns() {
        return new ArrayList<>(campaigns);
    }

    List<String> pausedApps() {
        return new ArrayList<>(apps);
    }

    void restorePaused(Iterable<String> pausedCampaigns, Iterable<String> pausedApps) {
        pausedCampaigns.forEach(campaigns::add);
        pausedApps.forEach(apps::add);
    }
}
