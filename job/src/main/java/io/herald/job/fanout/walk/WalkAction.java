package io.herald.job.fanout.walk;

import io.herald.job.functions.WalkPosition;
import io.herald.model.CampaignStatus;
import io.herald.model.DeviceRecord;
import io.herald.model.UserState;
import java.util.Collection;
import java.util.Map;

/**
 * What a walk does with each user it reaches, and what it adds to its final status: one class per
 * {@link WalkKind}.
 */
interface WalkAction {
    /**
     * Acts on one user.
     *
     * @param devices the user's live devices that the walk's gates let through and its cursor serves
     * @param refused devices among them handed out with a refusal, by device id, and the gate that
     *     refused each; null for none
     * @param p the position of the user's key group, whose counts the action adds to
     */
    void user(
            String userId,
            UserState state,
            Collection<DeviceRecord> devices,
            Map<String, DeviceGate> refused,
            WalkPosition p)
            throws Exception;

    /**
     * Whether the walk's devices may be handed out per platform at different times: then a full
     * delivery window for one platform holds back only that platform's devices. An action that
     * decides once per user for all of a user's devices (a frequency cap) says no.
     */
    default boolean platformsApart() {
        return true;
    }

    /** Adds what this action counted beyond the common counts to its final status. */
    default void finish(CampaignStatus status, Iterable<WalkPosition> positions) {}
}
