package io.herald.job.fanout;

import io.herald.campaign.CampaignLife;
import io.herald.campaign.FireGuard;
import io.herald.job.fanout.FireCheckEvents.Check;
import io.herald.job.fanout.FireCheckEvents.Count;
import io.herald.job.fanout.FireCheckEvents.Totals;
import io.herald.job.fanout.walk.Walk;
import io.herald.job.fanout.walk.WalkId;
import io.herald.job.fanout.walk.WalkKind;
import io.herald.job.fanout.walk.Walker;
import io.herald.job.functions.CampaignFanOut.CampaignEntry;
import io.herald.job.functions.WalkPosition;
import io.herald.model.CampaignStatus;
import io.herald.model.StatusKind;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.flink.runtime.operators.coordination.OperatorEventGateway;
import org.apache.flink.streaming.runtime.tasks.ProcessingTimeService;
import org.apache.flink.util.FlinkRuntimeException;

/**
 * The fan-out's side of fire guards. A fire of a campaign whose app has one is first counted by a
 * check walk on every instance ({@link WalkKind#FIRE_CHECK}); once it has counted every key group
 * here, its counts go to the {@link FireCheckCoordinator} and the check is kept (and checkpointed
 * with its counts) until the whole job's totals come back. Until then its count is sent again every
 * {@link #ASK_AGAIN_MS}: an answer sent while this instance was not ready is not lost for good. The
 * totals {@link #decide decide} the same way on every instance: the fire goes, or it is refused.
 * Called on the task thread only.
 */
final class FireChecks {
    /** How often a check that has no answer yet is asked again. */
    static final long ASK_AGAIN_MS = 1_000;

    private final OperatorEventGateway coordinator;
    private final int keyGroupsTotal;
    private final FanOutSettings settings;
    private final CampaignTable campaigns;
    private final AnswersOnRecord answers;
    private final FanOutOutput out;
    private final Walker walker;
    private final ProcessingTimeService time;
    /** Counted here, waiting for the totals. */
    private final Map<Check, Walk> counted = new LinkedHashMap<>();

    private boolean askAgainQueued;

    /** @param coordinator where counts go; null where there is none (a harness without one) */
    FireChecks(
            OperatorEventGateway coordinator,
            int keyGroupsTotal,
            FanOutSettings settings,
            CampaignTable campaigns,
            AnswersOnRecord answers,
            FanOutOutput out,
            Walker walker,
            ProcessingTimeService time) {
        this.coordinator = coordinator;
        this.keyGroupsTotal = keyGroupsTotal;
        this.settings = settings;
        this.campaigns = campaigns;
        this.answers = answers;
        this.out = out;
        this.walker = walker;
        this.time = time;
    }

    private static Check checkOf(WalkId id) {
        return new Check(id.campaignId(), id.askedAt());
    }

    /**
     * Whether this check is counting here, or waiting for its totals; for a local-time schedule's
     * check, whether any check of that schedule is (each moment due asks, the first counts).
     */
    boolean underWay(WalkId id) {
        if (id.isScheduleCheck()) {
            String campaignId = id.campaignId();
            return Stream.concat(walker.walks().stream(), counted.values().stream())
                    .map(Walk::id)
                    .anyMatch(w -> w.isScheduleCheck() && w.campaignId().equals(campaignId));
        }
        return walker.contains(id) || counted.containsKey(checkOf(id));
    }

    /** A check starts counting; {@code confirmAudience} is its fire record's confirmation (null: none). */
    void start(Walk check, Long confirmAudience) {
        check.positions().forEach(p -> p.confirmAudience = confirmAudience);
        walker.add(check);
    }

    /** A check's walk has counted every key group here: its counts go to the coordinator, and it waits. */
    void counted(Walk check) {
        counted.put(checkOf(check.id()), check);
        ask(check);
        askAgainLater();
    }

    private void askAgainLater() {
        if (askAgainQueued) {
            return;
        }
        askAgainQueued = true;
        time.registerTimer(time.getCurrentProcessingTime() + ASK_AGAIN_MS, t -> {
            askAgainQueued = false;
            if (!counted.isEmpty()) {
                counted.values().forEach(this::ask);
                askAgainLater();
            }
        });
    }

    private void ask(Walk check) {
        if (coordinator == null) {
            throw new FlinkRuntimeException("a fire guard needs the fan-out's coordinator, and this instance has none");
        }
        List<WalkPosition> positions = check.positions();
        int[] groups = new int[positions.size()];
        long[] audience = new long[groups.length];
        long[] devices = new long[groups.length];
        for (int i = 0; i < groups.length; i++) {
            WalkPosition p = positions.get(i);
            groups[i] = p.keyGroup;
            audience[i] = p.targeted;
            devices[i] = p.appDevices;
        }
        coordinator.sendEventToCoordinator(new Count(checkOf(check.id()), keyGroupsTotal, groups, audience, devices));
    }

    /**
     * The whole job's totals for a check: refused (the campaign is rejected with the figure to
     * confirm, and is as if never fired), moot (fired meanwhile another way, or finished by a later
     * run), or allowed: then the campaign is marked fired and the check is returned, for its fire to
     * walk the key groups it counted here. Null in every other case.
     */
    Walk decide(Totals totals) throws Exception {
        String campaignId = totals.check().campaignId();
        long at = totals.check().firedAt();
        Walk check = counted.remove(totals.check());
        if (check == null) {
            return null; // answered before (asked again after a restore), or cancelled or fired since
        }
        check.close();
        CampaignEntry entry = campaigns.get(campaignId);
        if (entry == null || entry.state == CampaignLife.State.CANCELLED) {
            return null;
        }
        FireGuard guard = settings.fireGuard(entry.campaign.appId);
        Long confirmed = check.positions().get(0).confirmAudience;
        String refusal = guard == null
                ? null
                : guard.refusal(entry.campaign.appId, totals.audience(), totals.appDevices(), confirmed);
        if (refusal != null) {
            // Nothing changes but this: a schedule does not fire it again at this time (a local-time
            // schedule's refusal stays, whatever fire by hand is refused after it).
            if (check.id().isScheduleCheck() || entry.local() == null) {
                entry.refusedFireAt = at;
                campaigns.put(campaignId, entry);
            }
            CampaignStatus s = status(campaignId, StatusKind.REJECTED, refusal);
            s.targeted = totals.audience();
            s.appDevices = totals.appDevices();
            out.campaignWide(s);
            return null;
        }
        String finishedEarlier = answers.finishedEarlier(campaignId);
        if (finishedEarlier != null) {
            // Counted again by a replay of an old savepoint: a later run fired and finished it.
            out.campaignWide(status(campaignId, StatusKind.SKIPPED, finishedEarlier));
            return null;
        }
        // Other checks of the campaign (fires written meanwhile) are moot either way; but a fire by
        // hand of a local-time schedule let go first is answered on its own (ignored: fired by its schedule).
        if (check.id().isScheduleCheck()) {
            dropIf(campaignId, WalkId::isScheduleCheck);
        } else {
            drop(campaignId);
        }
        if (entry.state != CampaignLife.State.CREATED && entry.firedAt != at) {
            // Fired meanwhile another way (a local-time moment came due): this fire is not sent as well.
            out.campaignWide(
                    status(campaignId, StatusKind.IGNORED, "fired by its schedule while this fire was counted"));
            return null;
        }
        if (entry.state == CampaignLife.State.CREATED) {
            if (check.id().isScheduleCheck()) {
                campaigns.markFired(campaignId, entry, at); // its moments go as they come due
            } else {
                campaigns.markFiredByHand(campaignId, entry, at);
            }
        }
        return check;
    }

    private CampaignStatus status(String campaignId, StatusKind kind, String reason) {
        return CampaignStatus.of(campaignId, kind, reason, time.getCurrentProcessingTime());
    }

    /**
     * A campaign's fire and a check of it both restored on one instance (a checkpoint taken while the
     * totals had reached some instances and not others, restored at another parallelism): the fire
     * went, so the key groups still counting go with the fire, from their start.
     *
     * @param byWalk the restored positions by encoded walk id; the merged checks are taken out
     */
    static void mergeDecided(Map<String, List<WalkPosition>> byWalk) {
        for (Iterator<Map.Entry<String, List<WalkPosition>>> it =
                        byWalk.entrySet().iterator();
                it.hasNext(); ) {
            List<WalkPosition> check = it.next().getValue();
            WalkPosition first = check.get(0);
            WalkId id = WalkId.decode(first.walkId, first.campaignId);
            List<WalkPosition> fire = byWalk.get(WalkId.fire(id.campaignId()).encode());
            if (id.kind() != WalkKind.FIRE_CHECK || fire == null) {
                continue;
            }
            WalkPosition fired = fire.get(0);
            for (WalkPosition p : check) {
                if (fire.stream().noneMatch(f -> f.keyGroup == p.keyGroup && f.channel == null)) {
                    fire.add(WalkPosition.start(
                            fired.walkId, fired.campaignId, WalkPosition.Kind.FIRE, fired.at, p.keyGroup));
                }
            }
            it.remove();
        }
    }

    /** Whether a check of the campaign waits here for its totals. */
    boolean waits(String campaignId) {
        return counted.keySet().stream().anyMatch(c -> c.campaignId().equals(campaignId));
    }

    /** The campaign was redefined, cancelled or fired: its checks, counting or waiting, are dropped. */
    void drop(String campaignId) {
        dropIf(campaignId, id -> true);
    }

    private void dropIf(String campaignId, Predicate<WalkId> which) {
        walker.cancelIf(campaignId, id -> id.kind() == WalkKind.FIRE_CHECK && which.test(id));
        counted.values().removeIf(w -> {
            if (w.id().campaignId().equals(campaignId) && which.test(w.id())) {
                w.close();
                return true;
            }
            return false;
        });
    }

    /** Where the waiting checks stand (every key group counted), for the checkpoint. */
    List<WalkPosition> positions() {
        List<WalkPosition> all = new ArrayList<>();
        counted.values().forEach(w -> all.addAll(w.positions()));
        return all;
    }

    void close() {
        counted.values().forEach(Walk::close);
        counted.clear();
    }
}
