package io.herald.sandbox;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How an emulator fights back, set per run and changeable while the job sends: a share of requests
 * answered with a transient error (429, 500 or 503, in turn), revoked credentials, and, through the
 * {@link FaultyLink} in front of it, added latency and dropped connections. A request that meets a
 * fault is not delivered, so the emulators' delivery counts still say what each device really got.
 */
public final class Faults {
    /** The transient answers, in turn. */
    public enum Transient { TOO_MANY_REQUESTS, INTERNAL_ERROR, UNAVAILABLE }

    private volatile double transientShare;
    private volatile double dropShare;
    private volatile boolean credentialsRevoked;
    private volatile long latencyMs;
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
     * more; the requests that had not reached the emulator go unanswered.
     */
    public Faults dropShare(double share) {
        this.dropShare = share;
        return this;
    }

    /** Answers every request this much later, without holding up the others on its connection. */
    public Faults latencyMs(long ms) {
        this.latencyMs = ms;
        return this;
    }

    public long latencyMs() {
        return latencyMs;
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
    }
}
