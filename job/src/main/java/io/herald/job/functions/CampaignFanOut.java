package io.herald.job.functions;

import io.herald.campaign.CampaignLife;
import io.herald.campaign.LocalTimeSchedule;
import io.herald.model.Campaign;
import java.util.ArrayList;
import java.util.List;

/**
 * Not an operator: the name under which savepoints know the fan-out's campaign table entries
 * ({@link CampaignEntry}), kept so that every savepoint restores. The fan-out itself is
 * {@code io.herald.job.fanout.FanOutOperator}; this class held it until the fan-out was taken
 * apart, and a state type's class name is written into each savepoint with its serializer, so
 * moving {@link CampaignEntry} needs a migration of the savepoints.
 */
public final class CampaignFanOut {
    private CampaignFanOut() {}

    /** A campaign as the fan-out remembers it: its definition and where it is in its life (campaign-wide). */
    public static class CampaignEntry {
        public Campaign campaign;
        public CampaignLife.State state;
        public long firedAt;
        /** When its create was written: where a local-time schedule's passed zones are told apart. */
        public long createdAt;
        /** For a local-time schedule: the moments whose walk has started (epoch ms). */
        public List<Long> slotsStarted = new ArrayList<>();
        /** Walks of devices held by quiet hours that have started: "moment@end" (epoch ms). */
        public List<String> holdsStarted = new ArrayList<>();
        /** Paused: its walks wait where they are and its deliveries hold what waits of it, until a resume. */
        public boolean paused;
        /**
         * The time of its last fire its app's fire guard refused, or null: a schedule does not fire
         * it again at that time (after a restore, say); a fire record that confirms the audience may.
         */
        public Long refusedFireAt;
        /** For a tested campaign: the arm its winner walk sends the users its test left out, once decided; else null. */
        public String winner;
        /** When that walk started (epoch ms), or null. */
        public Long winnerAt;

        public CampaignEntry() {}

        /** A campaign just created (or replaced), written at {@code createdAt}. */
        public static CampaignEntry created(Campaign campaign, long createdAt) {
            CampaignEntry e = new CampaignEntry();
            e.campaign = campaign;
            e.state = CampaignLife.State.CREATED;
            e.createdAt = createdAt;
            return e;
        }

        /** The local-time schedule, or null if the campaign has none. */
        public LocalTimeSchedule local() {
            return LocalTimeSchedule.of(campaign.schedule, createdAt);
        }
    }
}
