package io.herald.delivery;

import io.herald.model.SendRequest;
import java.util.AbstractQueue;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The notifications a delivery took while its window was full, in the order they start: urgent ones
 * ({@link SendRequest#urgent}: transactional sends, urgent campaigns) ahead of bulk ones, each kind
 * oldest first. Its bound is the delivery's ({@code maxInFlight} for arrivals); touched on the task
 * thread only.
 */
final class StartQueue extends AbstractQueue<SendRequest> {
    private final ArrayDeque<SendRequest> urgent = new ArrayDeque<>();
    private final ArrayDeque<SendRequest> bulk = new ArrayDeque<>();

    @Override
    public boolean offer(SendRequest r) {
        return (r.urgent ? urgent : bulk).add(r);
    }

    @Override
    public SendRequest poll() {
        SendRequest r = urgent.poll();
        return r != null ? r : bulk.poll();
    }

    @Override
    public SendRequest peek() {
        SendRequest r = urgent.peek();
        return r != null ? r : bulk.peek();
    }

    @Override
    public int size() {
        return urgent.size() + bulk.size();
    }

    /** Urgent ones first; {@code remove} works. */
    @Override
    public Iterator<SendRequest> iterator() {
        return new Iterator<>() {
            private Iterator<SendRequest> current = urgent.iterator();
            private boolean inBulk;

            @Override
            public boolean hasNext() {
                if (current.hasNext()) {
                    return true;
                }
                if (!inBulk) {
                    inBulk = true;
                    current = bulk.iterator();
                }
                return current.hasNext();
            }

            @Override
            public SendRequest next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return current.next();
            }

            @Override
            public void remove() {
                current.remove();
            }
        };
    }
}
