package io.herald.apns.channels;

/**
 * APNs refused a channel management request: its HTTP status and APNs's {@code reason} (such as
 * {@code BadChannelId}, {@code ChannelNotRegistered}, {@code CannotCreateChannelConfig},
 * {@code InvalidProviderToken}), and the {@code apns-request-id} to quote to Apple. It never carries
 * the provider token or the request's headers.
 */
public final class ApnsChannelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String reason;
    private final String requestId;

    ApnsChannelException(String operation, int status, String reason, String requestId) {
        super("APNs refused to " + operation + ": HTTP " + status + " " + reason + " (apns-request-id " + requestId
                + ")");
        this.status = status;
        this.reason = reason;
        this.requestId = requestId;
    }

    /** The response's HTTP status. */
    public int status() {
        return status;
    }

    /** APNs's reason, or {@code unknown} when the response had none. */
    public String reason() {
        return reason;
    }

    /** The request's {@code apns-request-id}, as APNs echoed it (or as it was sent). */
    public String requestId() {
        return requestId;
    }
}
