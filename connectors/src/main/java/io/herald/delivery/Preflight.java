package io.herald.delivery;

import io.herald.model.Outcome;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Predicate;

/**
 * What a delivery refuses before sending, and why: the one place that decides it, for every
 * provider. A refused notification gets its receipt at once and no request goes to the provider:
 *
 * <ul>
 *   <li>what the fan-out refused (an oversize payload, a template that failed, a frequency cap, quiet
 *       hours): {@code rejected}, or the outcome the fan-out named ({@link SendRequest#refusedAs});
 *   <li>what expired before it could be sent: {@code expired};
 *   <li>what belongs to a cancelled campaign: {@code cancelled};
 *   <li>an app without credentials at this provider, or one whose credentials the provider refused
 *       ({@link CredentialStop}): {@code rejected};
 *   <li>what finds the delivery's window and its queue full: {@code failed} (a retry sends it).
 * </ul>
 *
 * <p>It remembers the cancelled campaigns (at most {@link #MAX_CANCELLED}, the oldest forgotten
 * first); its delivery checkpoints them. One instance per delivery instance, used on its task thread.
 */
public final class Preflight {
    /** Campaigns remembered as cancelled, per instance; the oldest is forgotten past this. */
    static final int MAX_CANCELLED = 10_000;

    private final String provider;
    private final Predicate<String> servesApp;
    private final CredentialStop credentialStop;
    /** Cancelled campaigns, oldest first. */
    private final LinkedHashMap<String, Boolean> cancelled = new LinkedHashMap<>();

    /**
     * @param provider the provider's name as people read it, for the reasons
     * @param servesApp whether the provider has credentials for an app id
     * @param credentialStop the apps whose credentials the provider refused
     */
    public Preflight(String provider, Predicate<String> servesApp, CredentialStop credentialStop) {
        this.provider = provider;
        this.servesApp = servesApp;
        this.credentialStop = credentialStop;
    }

    /** The receipt of {@code request} if it must not be sent, or null if it may go. */
    public Receipt refuse(SendRequest request, long now) {
        Receipt refused = refusedBeforeDelivery(request, now);
        if (refused != null) {
            return refused;
        }
        if (cancelled.containsKey(request.campaignId)) {
            return cancelled(request);
        }
        if (!servesApp.test(request.appId)) {
            return Receipt.of(request, Outcome.REJECTED, 0, "no " + provider + " credentials for app", 0, now);
        }
        String stopped = credentialStop.reason(request.appId);
        return stopped == null ? null : Receipt.of(request, Outcome.REJECTED, 0, stopped, 0, now);
    }

    /** The fan-out's own refusal, or expiry at {@code now}; null if neither. */
    private static Receipt refusedBeforeDelivery(SendRequest request, long now) {
        if (request.refusal != null) {
            return Receipt.of(
                    request,
                    request.refusedAs == null ? Outcome.REJECTED : request.refusedAs,
                    0,
                    request.refusal,
                    0,
                    now);
        }
        if (request.expiresAt != null && now > request.expiresAt) {
            return Receipt.of(request, Outcome.EXPIRED, 0, "campaign expired before sending", 0, now);
        }
        return null;
    }

    /** The receipt of a notification not sent because its delivery's window and queue were full. */
    public Receipt queueFull(SendRequest request, int waiting, long now) {
        return Receipt.of(
                request,
                Outcome.FAILED,
                0,
                "not sent: the " + provider + " delivery queue was full (" + waiting + " waiting)",
                0,
                now);
    }

    /** The receipt of a notification of a paused campaign or app, not held because {@code limit} are. */
    public Receipt heldFull(SendRequest request, int limit, long now) {
        return Receipt.of(
                request,
                Outcome.FAILED,
                0,
                "not sent: its campaign or app is paused and " + limit + " notifications are held already",
                0,
                now);
    }

    /** The receipt of a notification of a cancelled campaign, stopped before it reached the provider. */
    public Receipt cancelled(SendRequest request) {
        return Receipt.of(
                request, Outcome.CANCELLED, 0, "campaign cancelled before it was sent", 0, System.currentTimeMillis());
    }

    /** From now on nothing of {@code campaignId} is sent. */
    public void cancel(String campaignId) {
        cancelled.put(campaignId, Boolean.TRUE);
        if (cancelled.size() > MAX_CANCELLED) {
            cancelled.remove(cancelled.keySet().iterator().next());
        }
    }

    /** The campaigns remembered as cancelled, oldest first (what a checkpoint holds). */
    public List<String> cancelledCampaigns() {
        return new ArrayList<>(cancelled.keySet());
    }
}
