package io.herald.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The kinds of record on the {@code campaign-status} topic, written in lower case. */
public enum StatusKind {
    /** The campaign passed validation and is known to the job. */
    ACCEPTED,
    /** Refused, with the error: a bad campaign, or an event about an unknown or cancelled one. */
    REJECTED,
    /** A fire was taken: the walk over every instance's users starts. */
    FIRED,
    /** A fire of a campaign that was already fired or cancelled: nothing is sent. */
    IGNORED,
    /** Cancelled: no further notification of it starts; one per instance with what it had handed out. */
    CANCELLED,
    /** About once a second per instance while a campaign is walked. */
    PROGRESS,
    /** One instance has walked all of its users for a fire. */
    FANNED_OUT,
    /** One instance has counted its users for an estimate. */
    ESTIMATED,
    /**
     * One instance has counted a fire's audience for its app's fire guard; the fire starts (or is
     * refused) when every instance has.
     */
    CHECKED,
    /** A transactional send to one user was handed out. */
    SENT,
    /**
     * A fire or send that a replay read again and did not act on: an earlier run of the job did (or
     * it is older than the replay window); the error says why.
     */
    SKIPPED,
    /** One instance has handed a retry out to the devices whose last receipt had the outcomes asked for. */
    RETRIED,
    /** Paused (the campaign, or its whole app): nothing more of it starts toward a provider; what waits is held. */
    PAUSED,
    /** Resumed after a pause: what was held goes out. */
    RESUMED,
    /**
     * An app's runaway guard capped a user ({@code userId}): it names each user once per window,
     * with the campaign whose notification it capped first; what the user is sent after that in the
     * window gets a {@code capped} receipt.
     */
    RUNAWAY,
    /**
     * A measured campaign's results so far, the whole job's (one record, every few seconds while
     * they change): per arm and holdout, users, deliveries, opens and conversions, rates with
     * intervals, lift over the holdout ({@code results}).
     */
    RESULTS,
    /**
     * A tested campaign's decision, at its time: the {@code winner} (or none), whether it won or is the
     * fallback ({@code decided}), why ({@code reason}), the best arm's p-values against the others
     * and the results it was made from.
     */
    DECIDED,
    /**
     * A campaign's receipts so far, the whole job's (one record, every few seconds while they
     * change): how many, by outcome, those not delivered by platform and reason, and the fire-to-ack
     * latency's quantiles. What {@code campaign status} and {@code watch} read instead of the
     * receipts themselves.
     */
    RECEIPTS,
    /**
     * A campaign's content ({@code contentHash}) approved by {@code principal}, on an app with
     * {@code requireApproval}: it may fire.
     */
    APPROVED,
    /**
     * A test send handed out to the seed users an instance holds: {@code targeted} notifications (every
     * arm in every locale, per device), {@code users} seeds of this instance of {@code usersExpected}
     * of the app's. One per instance holding a seed.
     */
    TESTED,
    /**
     * A control record as the gate took it, one for every record of the campaigns topic: its app,
     * campaign, type ({@code record}), who signed it ({@code principal}, {@code keyId}; none when
     * unsigned), and {@code error} if it was refused. Keyed by its app, so that {@code herald audit
     * --app} finds an app's history in one partition.
     */
    AUDIT;

    @JsonValue
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind written as {@code wire}, or null if there is none. */
    @JsonCreator
    public static StatusKind fromWire(String wire) {
        for (StatusKind k : values()) {
            if (k.wire().equals(wire)) {
                return k;
            }
        }
        return null;
    }
}
