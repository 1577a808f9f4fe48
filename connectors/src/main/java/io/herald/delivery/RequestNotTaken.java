package io.herald.delivery;

import java.io.IOException;

/**
 * How a provider fails an attempt whose request it knows the provider did not take, whatever
 * {@link Attempt#written()} said before: the write failed before its bytes left (the connection
 * closed first), the request went out only in part, or the server said it did not process it (an
 * HTTP/2 GOAWAY whose last stream is below the request's, or a REFUSED_STREAM reset: RFC 9113,
 * section 8.7). Such a request is safe to send again: a plain failure, retried by the
 * {@link RetryingSender}, never {@code unconfirmed}.
 */
public final class RequestNotTaken extends IOException {
    private static final long serialVersionUID = 1L;

    public RequestNotTaken(String message) {
        super(message);
    }

    public RequestNotTaken(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether {@code error}, or an exception it wraps (a future's CompletionException, say), is one. */
    public static boolean in(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RequestNotTaken) {
                return true;
            }
        }
        return false;
    }
}
