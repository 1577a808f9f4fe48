package io.herald.job.fanout;

import io.herald.campaign.PreparedCampaign;
import io.herald.job.fanout.walk.Walk;
import io.herald.job.fanout.walk.WalkContext;
import io.herald.job.functions.CampaignFanOut.CampaignEntry;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.SendRequest;
import io.herald.model.StatusKind;
import io.herald.model.UserState;
import java.util.List;
import java.util.function.Predicate;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * What the fan-out hands an app's seed users, the team's own phones: a test send (every arm in every
 * locale, to each of their devices of the app, whatever the audience) and, at each whole fire, a copy
 * before the walk reaches anyone. Each instance hands out to the seeds whose keys it holds, at once:
 * an app has at most {@code HeraldConfig.MAX_SEEDS} seeds, so the work on the task thread is bounded.
 * Copies are not measured and take no frequency cap; a pause or cancel of the campaign holds or
 * drops them as it does the rest.
 */
final class SeedSends {
    /** The most notifications one test hands out on one instance: well within a delivery's queue. */
    static final int MAX_TEST_NOTIFICATIONS = 1_000;

    private final FanOutSettings settings;
    private final WalkContext users;
    private final Predicate<String> isMine;
    private final FanOutOutput out;

    /**
     * @param users where the seeds' state is read (the fan-out's keyed state)
     * @param isMine whether a user's key is in this instance's key groups
     */
    SeedSends(FanOutSettings settings, WalkContext users, Predicate<String> isMine, FanOutOutput out) {
        this.settings = settings;
        this.users = users;
        this.isMine = isMine;
        this.out = out;
    }

    /**
     * A test send: the campaign's every arm and locale to the seeds this instance holds, named by the
     * record's send id; a {@code tested} status from each instance holding a seed, or (from one
     * instance) {@code rejected} if the app has none. Refused here, before anything is handed out,
     * if it would hand out more than {@link #MAX_TEST_NOTIFICATIONS} on this instance.
     */
    void test(CampaignEvent event, CampaignEntry entry, PreparedCampaign prepared) throws Exception {
        String appId = entry.campaign.appId;
        List<String> seeds = settings.seedsOf(appId);
        if (seeds.isEmpty()) {
            out.campaignWide(CampaignStatus.of(
                    event.campaignId,
                    StatusKind.REJECTED,
                    "test refused: apps." + appId + " has no seeds to test on (apps." + appId + ".seeds)",
                    users.now()));
            return;
        }
        List<String> mine = seeds.stream().filter(isMine).toList();
        if (mine.isEmpty()) {
            return;
        }
        long planned = 0;
        for (String seed : mine) {
            UserState state = users.readUser(seed);
            if (state != null) {
                planned += prepared.seedDevices(state.live(users.now(), users.deviceTtlMillis())) * prepared.variants();
            }
        }
        if (planned > MAX_TEST_NOTIFICATIONS) {
            out.status(CampaignStatus.of(
                    event.campaignId,
                    StatusKind.REJECTED,
                    "test refused: it would hand out " + planned + " notifications here (seed devices x arms x"
                            + " locales), over " + MAX_TEST_NOTIFICATIONS + ": test with fewer seeds, arms or locales",
                    users.now()));
            return;
        }
        long handed = 0;
        for (String seed : mine) {
            handed += handOut(seed, prepared, "test@" + event.sendId, true);
        }
        CampaignStatus s = CampaignStatus.of(event.campaignId, StatusKind.TESTED, null, users.now());
        s.targeted = handed;
        s.users = (long) mine.size();
        s.usersExpected = (long) seeds.size();
        s.sendId = event.sendId;
        out.status(s);
    }

    /**
     * A whole fire's copies to the seeds whose key groups {@code fire} covers here, handed out before
     * it starts and counted in it (targeted and handed out, in the seed's key group).
     */
    void atFire(Walk fire, CampaignEntry entry) {
        for (String seed : settings.seedsOf(entry.campaign.appId)) {
            int keyGroup = KeyGroupRangeAssignment.assignToKeyGroup(seed, users.maxParallelism());
            if (!fire.covers(keyGroup)) {
                continue; // another instance's, or (after a rescale) counted by another's check
            }
            try {
                long n = handOut(
                        seed, fire.plan().campaign(), "seed@" + fire.plan().at(), false);
                fire.countHandedOutBeside(keyGroup, n);
            } catch (Exception e) {
                // The keyed state could not be read: the task fails and restores, as a walk's would.
                throw new FlinkRuntimeException("could not read seed user " + seed + "'s state", e);
            }
        }
    }

    private long handOut(String userId, PreparedCampaign prepared, String sendId, boolean everyVariant)
            throws Exception {
        UserState state = users.readUser(userId);
        if (state == null) {
            return 0; // a seed with no device yet
        }
        return prepared.toSeed(
                userId,
                state.profile,
                state.live(users.now(), users.deviceTtlMillis()),
                sendId,
                everyVariant,
                (SendRequest r) -> {
                    r.answer = users.answerOnRecord(r.notificationId);
                    out.request(r);
                });
    }
}
