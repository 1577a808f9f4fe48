package io.herald.budget;

import java.io.Serializable;

/**
 * What one instance asks of one budget, as it reports it: how fast it sent lately, and whether
 * notifications were waiting for a slot (then it would send faster if it could).
 */
public final class Demand implements Serializable {
    private static final long serialVersionUID = 1L;

    /** An instance that sent nothing and has nothing waiting. */
    public static final Demand IDLE = new Demand(0, false);

    private final double sentPerSecond;
    private final boolean waiting;

    public Demand(double sentPerSecond, boolean waiting) {
        if (!(sentPerSecond >= 0) || Double.isInfinite(sentPerSecond)) {
            throw new IllegalArgumentException("a rate sent is finite and not negative, not " + sentPerSecond);
        }
        this.sentPerSecond = sentPerSecond;
        this.waiting = waiting;
    }

    public double sentPerSecond() {
        return sentPerSecond;
    }

    /** Whether notifications waited for a slot: whatever it is given, it would use more. */
    public boolean waiting() {
        return waiting;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Demand d && d.sentPerSecond == sentPerSecond && d.waiting == waiting;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(sentPerSecond) * 2 + (waiting ? 1 : 0);
    }

    @Override
    public String toString() {
        return sentPerSecond + "/s" + (waiting ? ", waiting" : "");
    }
}
