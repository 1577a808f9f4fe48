package io.herald.delivery;

import io.herald.model.Platform;
import java.util.EnumMap;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.IntSupplier;

/**
 * The room left in the delivery windows chained behind a fan-out, per platform, shared by the
 * operators of one task: the deliveries say how much room they have and when some frees up; the
 * fan-out's walker hands out only to a platform with room, and is woken when a platform it waits
 * for has room again. So a full window never blocks the task thread (a mail waiting for another
 * mail hangs the final drain of a stop, whose mailbox refuses new mail), and one provider's full
 * window does not hold back another's.
 *
 * <p>Operators of one task run on its one thread, so an instance needs no locking; the registry of
 * instances is keyed by the task (identity) and forgets a task once it is collected. A platform
 * without a delivery in the task (the fan-out not chained to it, or an operator test) has
 * unlimited room: its records then go over the network, which backpressures as Flink does.
 */
public final class DeliveryRoom {
    private static final Map<Object, DeliveryRoom> BY_TASK = new WeakHashMap<>();

    private final Map<Platform, IntSupplier> windows = new EnumMap<>(Platform.class);
    private Runnable waiter;

    private DeliveryRoom() {}

    /** The room of the deliveries in {@code task} (the containing task, by identity). */
    public static DeliveryRoom of(Object task) {
        synchronized (BY_TASK) {
            return BY_TASK.computeIfAbsent(task, t -> new DeliveryRoom());
        }
    }

    /** A delivery for {@code platform} in this task, whose free places {@code room} tells. */
    public void register(Platform platform, IntSupplier room) {
        windows.put(platform, room);
    }

    public void unregister(Platform platform) {
        windows.remove(platform);
    }

    /** How many notifications for {@code platform} the delivery takes now without queueing them. */
    public int room(Platform platform) {
        IntSupplier w = windows.get(platform);
        return w == null ? Integer.MAX_VALUE : w.getAsInt();
    }

    /** Whether {@code platform} has room for at least one notification. */
    public boolean hasRoom(Platform platform) {
        return room(platform) > 0;
    }

    /**
     * {@code waiter} runs (on the task thread) each time a delivery frees a place after the waiter
     * found a platform full; the walker queues its next chunk from it.
     */
    public void onRoom(Runnable waiter) {
        this.waiter = waiter;
    }

    /** A delivery of this task freed a place. */
    public void freed() {
        if (waiter != null) {
            waiter.run();
        }
    }
}
