package io.herald.webpush;

import io.herald.http2.Http2Connections;
import io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * The connections of one session to the push services its subscriptions name, one
 * {@link Http2Connections} per origin (and TLS context), opened on the first request to it. The
 * origins come from subscriptions, which browsers (or anyone) supply, so at most {@code maxOrigins}
 * are kept: past that the least recently used one is dropped from the map, and its connections
 * closed once the requests in flight on them are answered (so that none of them is cut off);
 * a later request to it opens it again. Each browser vendor runs one service, so a handful of
 * origins is the rule, and reaching the bound means many bogus endpoints. Safe from any thread.
 */
final class PushServices implements AutoCloseable {
    /** An origin's connections, and the requests in flight on them. */
    static final class Service {
        final Http2Connections connections;
        /** Guarded by the {@link PushServices}. */
        private int inFlight;

        private boolean dropped;

        private Service(Http2Connections connections) {
            this.connections = connections;
        }
    }

    /** An origin (as {@link VapidTokens#originOf} writes it) and the TLS context that trusts it. */
    record Key(String origin, SslContext tls) {}

    private final int maxOrigins;
    private final BiFunction<String, SslContext, Http2Connections> opener;
    /** In access order: the eldest is the least recently used. */
    private final LinkedHashMap<Key, Service> open = new LinkedHashMap<>(16, 0.75f, true);
    /** Dropped from {@link #open}, closed when their last request in flight is answered. */
    private final Set<Service> draining = new HashSet<>();

    private boolean closed;

    /**
     * @param opener makes the connections of an origin with a TLS context (connecting only on the
     *     first request)
     */
    PushServices(int maxOrigins, BiFunction<String, SslContext, Http2Connections> opener) {
        if (maxOrigins < 1) {
            throw new IllegalArgumentException("at least one origin");
        }
        this.maxOrigins = maxOrigins;
        this.opener = opener;
    }

    /**
     * The service of {@code origin}, with one more request in flight on it until {@link #release}.
     *
     * @throws IllegalStateException once closed
     */
    synchronized Service acquire(String origin, SslContext tls) {
        if (closed) {
            throw new IllegalStateException("the web push connections are closed");
        }
        Key key = new Key(origin, tls);
        Service service = open.get(key);
        if (service == null) {
            service = new Service(opener.apply(origin, tls));
            open.put(key, service);
            if (open.size() > maxOrigins) {
                Iterator<Service> eldest = open.values().iterator();
                Service dropped = eldest.next();
                eldest.remove();
                dropped.dropped = true;
                if (dropped.inFlight == 0) {
                    dropped.connections.close();
                } else {
                    draining.add(dropped);
                }
            }
        }
        service.inFlight++;
        return service;
    }

    /** The request {@link #acquire} counted is answered, or failed. */
    void release(Service service) {
        boolean close;
        synchronized (this) {
            close = --service.inFlight == 0 && service.dropped;
            if (close) {
                draining.remove(service);
            }
        }
        if (close) {
            service.connections.close();
        }
    }

    /** How many origins are kept open. */
    synchronized int origins() {
        return open.size();
    }

    /** Closes every connection, in flight or not. */
    @Override
    public void close() {
        List<Service> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(open.values());
            all.addAll(draining);
            open.clear();
            draining.clear();
        }
        all.forEach(s -> s.connections.close());
    }
}
