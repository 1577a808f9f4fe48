package io.herald.sandbox;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What an emulator knows about device tokens (live or dead since when) and what each token has
 * received: the counts tests and the demo judge delivery by, from the provider's side.
 */
public final class TokenRegistry {
    /**
     * Each live token with what it has received. The counter is made when the token is registered,
     * so that a delivery only increments it: made on first delivery, a million new entries and
     * counters during a campaign cost the emulators' JVM its map's growth and the collector's copies
     * of them, which sending to a few thousand tokens (the bench's client-alone limit) does not.
     */
    private final ConcurrentHashMap<String, AtomicInteger> liveReceived = new ConcurrentHashMap<>();
    /** The live tokens, as Pushy's validating handler wants them: a view of {@link #liveReceived}. */
    final Set<String> live = liveReceived.keySet();

    final Map<String, Instant> dead = new ConcurrentHashMap<>();
    private final Map<String, String> lastPayload = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();
    private volatile boolean keepPayloads = true;
    private volatile ArrivalTimes[] arrivals = new ArrivalTimes[0];
    private final AtomicLong lastArrivalAt = new AtomicLong();
    /** For tokens being watched: when each one's first delivery since the watch arrived (epoch ms, 0 until then). */
    private final Map<String, AtomicLong> firstArrivals = new ConcurrentHashMap<>();

    public void addLive(String token) {
        liveReceived.putIfAbsent(token, new AtomicInteger());
    }

    /** A token the provider reports as unregistered since {@code since}. */
    public void addDead(String token, Instant since) {
        dead.put(token, since);
    }

    void recordDelivery(String token, String payload) {
        // The emulators accept a notification only for a live token: its counter is there.
        Objects.requireNonNull(liveReceived.get(token), "a delivery to a token not registered live")
                .incrementAndGet();
        total.incrementAndGet();
        lastArrivalAt.accumulateAndGet(System.currentTimeMillis(), Math::max);
        if (keepPayloads) {
            lastPayload.put(token, payload);
        }
        AtomicLong first = firstArrivals.isEmpty() ? null : firstArrivals.get(token);
        if (first != null) {
            first.compareAndSet(0, System.currentTimeMillis());
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

    /** From now on, notes when {@code token}'s next delivery arrives ({@link #firstArrival}). */
    public void watch(String token) {
        firstArrivals.put(token, new AtomicLong());
    }

    /** When the first delivery to a watched token since {@link #watch} arrived (epoch ms); 0 if none yet. */
    public long firstArrival(String token) {
        AtomicLong first = firstArrivals.get(token);
        return first == null ? 0 : first.get();
    }

    /** How many notifications this token was sent and accepted. */
    public int received(String token) {
        AtomicInteger n = liveReceived.get(token);
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

    /** Forgets what was received (not which tokens exist), before the next campaign. */
    public void resetCounts() {
        liveReceived.values().forEach(n -> n.set(0));
        lastPayload.clear();
        lastArrivalAt.set(0);
        total.set(0);
    }
}
