package io.herald.sandbox;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How an emulator fights back, set per run and changeable while the job sends: a share of requests
 * answered with a transient error (429, 500 or 503, in turn), revoked credentials, and, through the
 * {@link FaultyLink} in front of it, added latency, dropped connections, an unreachable provider and
 * answers lost on their way back. A request that meets a fault is not delivered, so the emulators'
 * delivery counts still say what each device really got; but for {@link #answersLost}, whose
 * requests were delivered and only their answers lost.
 */
public final class Faults {
    /** The transient answers, in turn. */
    public enum Transient {
        TOO_MANY_REQUESTS,
        INTERNAL_ERROR,
        UNAVAILABLE
    }

    private volatile double transientShare;
    private volatile double dropShare;
    private volatile boolean credentialsRevoked;
    private volatile long latencyMs;
    private volatile double latencyJitter;
    private volatile boolean unreachable;
    private volatile boolean answersLost;
    private final AtomicLong transientsAnswered = new AtomicLong();
    private final AtomicLong connectionsDropped = new AtomicLong();
    private final AtomicLong credentialRefusals = new AtomicLong();

    /** Answers this share of requests (0..1) with a transient error. */
    public Faults transientShare(double share) {
        this.transientShare = share;
        return this;
    }

    /**
     * Drops the connection on this share (0..1) of the sender's writes, each carrying one request or
     * more (one decided during the TLS handshake waits for its end), as a provider closes a
     * connection it is done with: a GOAWAY naming the last request it took (those up to it are
     * answered), then the close. The requests after it were not taken, and the sender, told so,
     * sends them again. (See {@link GoingAway}.)
     */
    public Faults dropShare(double share) {
        this.dropShare = share;
        return this;
    }

    /** Answers every request this much later, without holding up the others on its connection. */
    public Faults latencyMs(long ms) {
        return latencyMs(ms, 0);
    }

    /**
     * Answers this much later, each stretch of answers by a delay drawn anew within ±{@code jitter}
     * (a share, 0..1) of it, as a real path's round trip varies: 150 ms ±20% is 120 to 180 ms. The
     * bytes of one connection still arrive in order (TCP's), so a stretch drawn short waits for the
     * one before it.
     */
    public Faults latencyMs(long ms, double jitter) {
        if (ms < 0 || jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("latency needs ms >= 0 and a jitter within 0..1");
        }
        this.latencyJitter = jitter;
        this.latencyMs = ms;
        return this;
    }

    public long latencyMs() {
        return latencyMs;
    }

    /** The delay for the next stretch of answers, in nanoseconds: {@link #latencyMs} within its jitter. */
    long nextDelayNanos() {
        long ms = latencyMs;
        double jitter = latencyJitter;
        double factor = jitter == 0 ? 1 : 1 + ThreadLocalRandom.current().nextDouble(-jitter, jitter);
        return Math.round(ms * 1_000_000L * factor);
    }

    /**
     * Makes the provider unreachable (or reachable again), as a network partition on the way there
     * would: from now on, what a sender writes, on its connections or on new ones, goes nowhere, so
     * its requests (and a new connection's handshake) are never answered; answers the provider had
     * already given still arrive. When it is reachable again, the connections that lost bytes are
     * closed as the provider closes one (a GOAWAY naming the last request it took, see
     * {@link GoingAway}): the sender sees them drop, knows what was not taken, and sends it again on
     * new ones. Through the {@link FaultyLink}.
     */
    public Faults unreachable(boolean unreachable) {
        this.unreachable = unreachable;
        return this;
    }

    public boolean unreachable() {
        return unreachable;
    }

    /**
     * Loses the provider's answers on their way back (or lets them through again), as an outage
     * between the provider and the sender after the provider took the requests: the requests still
     * arrive and are delivered (and counted), nothing comes back. When the answers flow again, the
     * connections that lost answers are reset (a TCP reset, no GOAWAY): the sender sees requests it
     * wrote whose answers never came, and cannot know they arrived. Through the {@link FaultyLink}.
     */
    public Faults answersLost(boolean lost) {
        this.answersLost = lost;
        return this;
    }

    public boolean answersLost() {
        return answersLost;
    }

    /** Refuses the app's credentials from now on (or accepts them again). */
    public Faults credentialsRevoked(boolean revoked) {
        this.credentialsRevoked = revoked;
        return this;
    }

    /** Whether to refuse this request's credentials (and counts it if so). */
    public boolean refuseCredentialsNow() {
        if (credentialsRevoked) {
            credentialRefusals.incrementAndGet();
            return true;
        }
        return false;
    }

    /** Requests refused for their credentials so far: a sender that retries them makes this grow. */
    public long credentialRefusals() {
        return credentialRefusals.get();
    }

    /** Whether to drop the connection now (and counts it if so). */
    public boolean dropNow() {
        if (dropShare > 0 && ThreadLocalRandom.current().nextDouble() < dropShare) {
            connectionsDropped.incrementAndGet();
            return true;
        }
        return false;
    }

    /** The transient error to answer this request with, or null to answer it properly. */
    public Transient transientNow() {
        if (transientShare > 0 && ThreadLocalRandom.current().nextDouble() < transientShare) {
            long n = transientsAnswered.getAndIncrement();
            return Transient.values()[(int) (n % Transient.values().length)];
        }
        return null;
    }

    public long transientsAnswered() {
        return transientsAnswered.get();
    }

    public long connectionsDropped() {
        return connectionsDropped.get();
    }

    /** Back to a well-behaved provider. */
    public void clear() {
        transientShare = 0;
        dropShare = 0;
        credentialsRevoked = false;
        latencyMs = 0;
        latencyJitter = 0;
        unreachable = false;
        answersLost = false;
    }
}
