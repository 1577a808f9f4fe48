package io.herald.model;

/**
 * A user's exposure to a measured campaign (one with a conversion, arms or a holdout), kept in the
 * user's state until its conversion window closes: which arm the user was in, or held out, when, and
 * what of it has been counted, so that an open and a conversion count once per user.
 */
public class Exposure {
    /** The user's arm, or null for a campaign without arms (or a user held out). */
    public String arm;
    /** Held out: sent nothing, counted as exposed at the fire. */
    public boolean heldOut;
    /** When: the fire (or transactional send) that reached (or held out) the user, epoch ms. */
    public long at;
    /** Until when a conversion counts, epoch ms; for a campaign without a conversion, when the exposure is forgotten. */
    public long until;
    /** An open of it has been counted. */
    public boolean opened;
    /** A conversion of it has been counted. */
    public boolean converted;

    public Exposure() {}

    public Exposure(String arm, boolean heldOut, long at, long until) {
        this.arm = arm;
        this.heldOut = heldOut;
        this.at = at;
        this.until = until;
    }
}
