package io.herald.delivery;

import io.herald.model.Outcome;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;

/** What both providers' delivery checks before sending: a refusal from the fan-out, or expiry. */
public final class Preflight {
    private Preflight() {}

    /** The receipt of a request that must not be sent, or null if it may go. */
    public static Receipt refuse(SendRequest request, long now) {
        if (request.refusal != null) {
            return Receipt.of(request, request.refusedAs == null ? Outcome.REJECTED : request.refusedAs, 0,
                    request.refusal, 0, now);
        }
        if (request.expiresAt != null && now > request.expiresAt) {
            return Receipt.of(request, Outcome.EXPIRED, 0, "campaign expired before sending", 0, now);
        }
        return null;
    }
}
