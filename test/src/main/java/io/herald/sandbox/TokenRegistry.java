package io.herald.sandbox;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What an emulator knows about device tokens (live or dead since when) and what each token has
 * received: the counts tests and the demo judge delivery by, from the provider's side.
 */
public final class TokenRegistry {
    final Set<String> live = ConcurrentHashMap.newKeySet();
    final Map<String, java.time.Instant> dead = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
    private final Map<String, String> lastPayload = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong total = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean keepPayloads = true;
    private volatile ArrivalTimes[] arrivals = new ArrivalTimes[0];
    private final java.util.concurrent.atomic.AtomicLong lastArrivalAt = new java.util.concurrent.atomic.AtomicLong();

    public void addLive(String token) {
        live.add(token);
    }

    /** A token the provider reports as unregistered since {@code since}. */
    public void addDead(String token, java.time.Instant since) {
        dead.put(token, since);
    }

    void recordDelivery(String token, String payload) {
        received.computeIfAbsent(token, t -> new AtomicInteger()).incrementAndGet();
        total.incrementAndGet();
        lastArrivalAt.accumulateAndGet(System.currentTimeMillis(), Math::max);
        if (keepPayloads) {
            lastPayload.put(token, payload);
        }
        ArrivalTimes[] into = arrivals;
        if (into.length > 0) {
            long now = System.currentTimeMillis();
            for (ArrivalTimes a : into) {
                a.record(now);
            }
        }
    }

    /**
     * Whether to keep each token's last payload (on by default, for tests that read them); a
     * benchmark over millions of devices turns it off to spare the memory.
     */
    public TokenRegistry keepPayloads(boolean keep) {
        this.keepPayloads = keep;
        return this;
    }

    /** From now on, also notes when each delivery arrives, into each of {@code times}. */
    public void recordArrivals(ArrivalTimes... times) {
        this.arrivals = times.clone();
    }

    /** How many notifications this token was sent and accepted. */
    public int received(String token) {
        AtomicInteger n = received.get(token);
        return n == null ? 0 : n.get();
    }

    /** The body of the last notification accepted for this token, or null. */
    public String lastPayload(String token) {
        return lastPayload.get(token);
    }

    /** Accepted notifications over all tokens, since the last {@link #resetCounts()}. */
    public long totalReceived() {
        return total.get();
    }

    /** When the last notification arrived (epoch ms), since the last {@link #resetCounts()}; 0 if none. */
    public long lastArrivalAt() {
        return lastArrivalAt.get();
    }

    /** Tokens that received anything. */
    public Set<String> tokensReceived() {
        return received.keySet();
    }

    /** Forgets what was received (not which tokens exist), before the next campaign. */
    public void resetCounts() {
        received.clear();
        lastPayload.clear();
        lastArrivalAt.set(0);
        total.set(0);
    }
}
