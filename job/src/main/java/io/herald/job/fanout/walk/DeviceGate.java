package io.herald.job.fanout.walk;

import io.herald.model.DeviceRecord;
import io.herald.model.Outcome;

/**
 * A rule that decides, device by device, whether a fire's walk hands the campaign out to a device
 * now. A walk asks its gates in order; a new rule is a new class and one line in
 * {@link Walk#gatesFor}.
 */
interface DeviceGate {
    /** What a gate decides for one device. */
    enum Verdict {
        /** Handed out (as far as this gate goes). */
        PASS,
        /** Not this walk's: another walk of the campaign hands it out, or none does. */
        SKIP,
        /** Held for a later walk, and counted as held. */
        HOLD,
        /** Handed out with a refusal: its receipt says why, and nothing reaches the provider. */
        REFUSE
    }

    Verdict judge(DeviceRecord device);

    /** For {@link Verdict#REFUSE}: the receipt's reason and outcome. */
    default String refusal() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " refuses nothing");
    }

    default Outcome refusedAs() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " refuses nothing");
    }
}
