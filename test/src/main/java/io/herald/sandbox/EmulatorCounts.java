package io.herald.sandbox;

import java.util.function.Predicate;

/**
 * A campaign to every synthetic user, judged from the providers' side: what each emulator says every
 * device received, against what the population says it should have. Never from the job's view of
 * itself.
 */
public final class EmulatorCounts {
    /** Devices that should have had a notification and had none. */
    public final long lost;
    /** Notifications beyond the first, over the devices that should have had one. */
    public final long duplicates;
    /** Notifications accepted for devices that should not have had any (opted out, dead token). */
    public final long unexpected;
    /** Devices that should have had one. */
    public final long expected;

    private EmulatorCounts(long lost, long duplicates, long unexpected, long expected) {
        this.lost = lost;
        this.duplicates = duplicates;
        this.unexpected = unexpected;
        this.expected = expected;
    }

    /**
     * Counts what the sandbox's emulators received since their last reset, each device allowed
     * {@code perDevice} notifications (one campaign: 1).
     */
    public static EmulatorCounts of(SyntheticUsers users, Sandbox sandbox, int perDevice) {
        return of(users, sandbox, perDevice, SyntheticUsers.Device::expectsDelivery);
    }

    /** The same, for a campaign that should reach the devices {@code shouldReceive} takes (an experiment's, say). */
    public static EmulatorCounts of(
            SyntheticUsers users, Sandbox sandbox, int perDevice, Predicate<SyntheticUsers.Device> shouldReceive) {
        long lost = 0;
        long duplicates = 0;
        long unexpected = 0;
        long expected = 0;
        for (SyntheticUsers.Device d : users.devices()) {
            int n = sandbox.tokens(d.platform).received(d.token);
            if (shouldReceive.test(d)) {
                expected++;
                lost += n == 0 ? 1 : 0;
                duplicates += Math.max(0, n - perDevice);
            } else {
                unexpected += n;
            }
        }
        return new EmulatorCounts(lost, duplicates, unexpected, expected);
    }

    /** Nothing lost, nothing twice, nothing where it should not be. */
    public boolean exact() {
        return lost == 0 && duplicates == 0 && unexpected == 0;
    }

    @Override
    public String toString() {
        return "lost " + lost + ", duplicates " + duplicates + ", unexpected " + unexpected + " (of " + expected + ")";
    }
}
