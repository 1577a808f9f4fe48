package io.herald.job.fanout.walk;

import io.herald.job.functions.WalkPosition;
import io.herald.job.state.StoredUsers;
import io.herald.model.CampaignStatus;
import io.herald.model.DeviceRecord;
import io.herald.model.Platform;
import io.herald.model.StatusKind;
import io.herald.model.UserState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.state.KeyGroupRange;

/**
 * One walk of one campaign on this instance: it goes through the users this instance holds, in
 * the state backend's order, a bounded step at a time, and hands each user to its
 * {@link WalkAction} after its {@link DeviceGate}s have judged the user's devices.
 *
 * <p>A step stops when its budget of users or time is spent, when the campaign's pace or spread
 * says to wait, or when a delivery window it would hand out to is full: it never waits inside a
 * step. When one platform's window is full and another's is not, the platform that is full goes on
 * apart, in a cursor of its own that follows behind ({@link WalkCursor}), so one provider's outage
 * holds back no other. Where every cursor stands is checkpointed as {@link WalkPosition}s.
 */
public final class Walk {
    /** How a step ended. */
    public enum Progress {
        /** Every user walked, by every cursor. */
        DONE,
        /** The step's budget ran out; more to walk now. */
        MORE,
        /** The pace or the spread says to go on at {@link #resumeAt()}. */
        PACED,
        /** Every cursor that has users left waits for room in a delivery window. */
        NO_ROOM
    }

    private final WalkId id;
    private final WalkPlan plan;
    private final WalkContext ctx;
    private final RetryTargets targets;
    private final WalkAction action;
    private final List<DeviceGate> gates;
    private final WalkCursor main;
    /** Cursors of platforms that go on apart from the main cursor. */
    private final Map<Platform, WalkCursor> apart = new EnumMap<>(Platform.class);

    private final Pacing pacing;
    private final WalkWaits waits = new WalkWaits();
    private final Spread spread;
    private final long startedNanos = System.nanoTime();
    private long resumeAt;
    private long progressAt;
    /** The key group whose platforms walked apart {@link #skipped} holds; -1 to work it out again. */
    private int skippedGroup = -1;

    private final EnumSet<Platform> skipped = EnumSet.noneOf(Platform.class);
    private static final Platform[] PLATFORMS = Platform.values();

    private Walk(WalkId id, WalkPlan plan, WalkContext ctx, RetryTargets targets) {
        this.id = id;
        this.plan = plan;
        this.ctx = ctx;
        this.targets = targets;
        this.action = id.kind().action(plan, ctx, targets);
        this.gates = gatesFor(id, plan);
        this.main = new WalkCursor(null);
        Integer maxPerSecond = plan.campaign().campaign().maxPerSecond;
        long now = ctx.now();
        this.pacing = id.kind().handsOut() && maxPerSecond != null
                ? new Pacing(maxPerSecond / (double) ctx.instances(), now)
                : null;
        long spreadMillis =
                id.kind() == WalkKind.FIRE ? plan.campaign().campaign().spreadOverMillis() : 0;
        this.spread = spreadMillis > 0 ? new Spread(plan.at() + spreadMillis) : null;
        this.progressAt = now + ctx.progressEveryMillis();
    }

    /** The gates of a walk, in the order they judge a device. */
    static List<DeviceGate> gatesFor(WalkId id, WalkPlan plan) {
        List<DeviceGate> gates = new ArrayList<>(2);
        if (id.kind() != WalkKind.FIRE) {
            return gates;
        }
        if (plan.local() != null && id.moment() != null) {
            gates.add(new LocalMomentGate(plan.local(), id.moment()));
        }
        if (plan.quiet() != null) {
            long moment = id.isHeld() ? id.moment() : plan.at();
            gates.add(new QuietHoursGate(plan.quiet(), plan.fallbackZone(), moment, id.heldUntil()));
        }
        return gates;
    }

    /** A walk over all of this instance's key groups, from their start. */
    public static Walk start(WalkId id, WalkPlan plan, WalkContext ctx, RetryTargets targets) {
        KeyGroupRange range = ctx.keyGroups();
        List<Integer> groups = new ArrayList<>(range.getNumberOfKeyGroups());
        for (int g = range.getStartKeyGroup(); g <= range.getEndKeyGroup(); g++) {
            groups.add(g);
        }
        return startOver(id, plan, ctx, targets, groups);
    }

    /** A walk over {@code keyGroups} of this instance, from their start. */
    public static Walk startOver(
            WalkId id, WalkPlan plan, WalkContext ctx, RetryTargets targets, Collection<Integer> keyGroups) {
        Walk w = new Walk(id, plan, ctx, targets);
        String encoded = id.encode();
        String outcomes = targets == null ? null : targets.encode();
        for (int g : keyGroups) {
            WalkPosition p = WalkPosition.start(encoded, id.campaignId(), id.kind().checkpointed, plan.at(), g);
            p.outcomes = outcomes;
            w.main.groups.put(g, p);
        }
        return w;
    }

    /** The key groups this walk covers on this instance. */
    public List<Integer> keyGroups() {
        return new ArrayList<>(main.groups.keySet());
    }

    /** A walk that goes on from checkpointed positions (those of this instance's key groups). */
    public static Walk restore(WalkId id, WalkPlan plan, WalkContext ctx, Collection<WalkPosition> positions) {
        String outcomes = positions.iterator().next().outcomes;
        Walk w = new Walk(id, plan, ctx, outcomes == null ? null : RetryTargets.decode(outcomes));
        for (WalkPosition p : positions) {
            Platform channel = p.channel == null ? null : Platform.fromWire(p.channel);
            WalkCursor c = channel == null ? w.main : w.apart.computeIfAbsent(channel, WalkCursor::new);
            c.groups.put(p.keyGroup, p);
        }
        return w;
    }

    public WalkId id() {
        return id;
    }

    public WalkPlan plan() {
        return plan;
    }

    /** For a retry or its estimate, its targets; else null. */
    public RetryTargets targets() {
        return targets;
    }

    /** When a paced walk may go on (epoch ms). */
    public long resumeAt() {
        return resumeAt;
    }

    /** Every position of every cursor, for the checkpoint and the counts. */
    public List<WalkPosition> positions() {
        List<WalkPosition> all = new ArrayList<>(main.positions());
        apart.values().forEach(c -> all.addAll(c.positions()));
        return all;
    }

    /** The walk goes on after a pause: its pace starts again from {@code now}, without catching up. */
    public void resumed(long now) {
        if (pacing != null) {
            pacing.restartAt(now);
        }
        resumeAt = Math.min(resumeAt, now);
    }

    /** The campaign's share of its instance's walking against other bulk campaigns ({@code weight}, 1 if none). */
    public int weight() {
        Integer w = plan.campaign().campaign().weight;
        return w == null ? 1 : w;
    }

    /** Notifications this walk has handed out here, over its key groups. */
    public long handedOut() {
        long n = 0;
        for (WalkPosition p : main.positions()) {
            n += p.handedOut;
        }
        for (WalkCursor c : apart.values()) {
            for (WalkPosition p : c.positions()) {
                n += p.handedOut;
            }
        }
        return n;
    }

    /** Whether this walk covers {@code keyGroup} on this instance. */
    public boolean covers(int keyGroup) {
        return main.groups.containsKey(keyGroup);
    }

    /**
     * Counts notifications handed out for this walk outside it (a fire's copies to the app's seed
     * users, handed out before the walk starts) as targeted and handed out in {@code keyGroup}, where
     * the seed's key is, so that the campaign's counts match its receipts.
     *
     * @throws IllegalArgumentException if the walk does not cover {@code keyGroup} here
     */
    public void countHandedOutBeside(int keyGroup, long notifications) {
        WalkPosition p = main.groups.get(keyGroup);
        if (p == null) {
            throw new IllegalArgumentException("walk " + id + " does not cover key group " + keyGroup + " here");
        }
        p.targeted += notifications;
        p.handedOut += notifications;
    }

    /** Walks on until the step's budget or {@code deadline} (System.nanoTime). */
    public Progress step(long deadline) throws Exception {
        if (spread != null && !spread.count(ctx, main.groups, deadline)) {
            return Progress.MORE;
        }
        int[] budget = {ctx.usersPerChunk()};
        long now = ctx.now();
        boolean paced = false;
        boolean done = true;
        List<WalkCursor> cursors = new ArrayList<>(1 + apart.size());
        cursors.add(main);
        cursors.addAll(apart.values());
        for (WalkCursor c : cursors) {
            if (c.done()) {
                continue;
            }
            Progress p = walk(c, deadline, budget, now);
            if (p == Progress.MORE) {
                return p;
            }
            paced |= p == Progress.PACED;
            done &= p == Progress.DONE;
        }
        if (done && apart.size() > cursors.size() - 1) {
            // A platform went apart during this step, after the list was made: walk it in the next.
            return Progress.MORE;
        }
        return done ? Progress.DONE : paced ? Progress.PACED : Progress.NO_ROOM;
    }

    private Progress walk(WalkCursor c, long deadline, int[] budget, long now) throws Exception {
        int seen = 0;
        long ttl = ctx.deviceTtlMillis();
        while (budget[0] > 0) {
            if ((++seen & 63) == 0 && System.nanoTime() > deadline) {
                return Progress.MORE;
            }
            if (pacing != null && !pacing.allows(ctx.now())) {
                resumeAt = pacing.resumeAt();
                return Progress.PACED;
            }
            if (c.isMain() && spread != null && !spread.allows(ctx.now())) {
                resumeAt = spread.resumeAt();
                return Progress.PACED;
            }
            if (id.kind().handsOut() && !roomFor(c)) {
                return Progress.NO_ROOM;
            }
            if (!c.next(ctx)) {
                return Progress.DONE;
            }
            WalkPosition p = c.position();
            StoredUsers stored = c.stored();
            String user = stored.userId();
            // Written since the walk began: what the state holds now, not the walk's view.
            UserState u = ctx.writtenDuringWalks(user) ? ctx.readUser(user) : stored.value(now);
            p.lastKey = user;
            if (u == null) {
                continue;
            }
            if (c.isMain()) {
                p.users++;
                ctx.metrics().usersWalked.inc();
                if (spread != null) {
                    spread.walked();
                }
            }
            budget[0]--;
            long before = p.handedOut;
            visit(c, user, u, u.live(now, ttl), p);
            if (pacing != null) {
                pacing.handedOut(p.handedOut - before);
            }
        }
        return Progress.MORE;
    }

    /**
     * Whether cursor {@code c} may take another user: every platform it hands out to has room. A
     * main cursor with some platforms full and others not sends the full ones apart, unless its
     * action decides for all of a user's devices at once.
     */
    private boolean roomFor(WalkCursor c) {
        if (!c.isMain()) {
            return ctx.room().hasRoom(c.channel);
        }
        updateSkipped(main.position());
        EnumSet<Platform> full = null;
        int served = 0;
        for (Platform platform : PLATFORMS) {
            if (skipped.contains(platform)) {
                continue;
            }
            served++;
            if (!ctx.room().hasRoom(platform)) {
                if (full == null) {
                    full = EnumSet.noneOf(Platform.class);
                }
                full.add(platform);
            }
        }
        if (full == null) {
            return true;
        }
        if (!action.platformsApart() || full.size() == served) {
            return false;
        }
        for (Platform platform : full) {
            goApart(platform);
        }
        return true;
    }

    /** {@code platform} goes on in a cursor of its own from where the main cursor stands. */
    private void goApart(Platform platform) {
        WalkCursor split = main.splitOff(platform);
        WalkCursor existing = apart.get(platform);
        if (existing == null) {
            apart.put(platform, split);
        } else {
            // Went apart before in other key groups (a restore after a rescale): one cursor, read again from the start.
            split.groups.forEach(existing.groups::putIfAbsent);
            existing.close();
        }
        skippedGroup = -1;
    }

    /** The platforms the main cursor leaves to cursors apart in the key group of {@code p}. */
    private void updateSkipped(WalkPosition p) {
        int g = p == null ? -1 : p.keyGroup;
        if (g == skippedGroup && g != -1) {
            return;
        }
        skippedGroup = g;
        skipped.clear();
        apart.forEach((platform, c) -> {
            if (p == null || c.groups.containsKey(p.keyGroup)) {
                skipped.add(platform);
            }
        });
    }

    private void visit(WalkCursor c, String user, UserState u, Collection<DeviceRecord> live, WalkPosition p)
            throws Exception {
        if (c.isMain()) {
            updateSkipped(p);
        }
        Collection<DeviceRecord> devices = live;
        Map<String, DeviceGate> refused = null;
        if (!c.isMain() || !skipped.isEmpty() || !gates.isEmpty()) {
            List<DeviceRecord> keep = new ArrayList<>(live.size());
            for (DeviceRecord d : live) {
                if (c.isMain() ? skipped.contains(d.platform) : d.platform != c.channel) {
                    continue;
                }
                DeviceGate by = null;
                DeviceGate.Verdict verdict = DeviceGate.Verdict.PASS;
                for (DeviceGate gate : gates) {
                    verdict = gate.judge(d);
                    if (verdict != DeviceGate.Verdict.PASS) {
                        by = gate;
                        break;
                    }
                }
                switch (verdict) {
                    case PASS -> keep.add(d);
                    case HOLD -> {
                        if (d.reachable()) {
                            p.quietHours++;
                        }
                    }
                    case REFUSE -> {
                        keep.add(d);
                        if (refused == null) {
                            refused = new HashMap<>();
                        }
                        refused.put(d.deviceId, by);
                    }
                    case SKIP -> {}
                }
            }
            devices = keep;
        }
        action.user(user, u, devices, refused, p);
    }

    /** From {@code now} on the walk waits for {@code reason}, or walks (null): what its statuses say. */
    void waiting(WalkWaits.Reason reason, long now) {
        waits.set(reason, now);
    }

    /** What a walk that hands out waited for, in its status. */
    private void sayWaits(CampaignStatus s, long now) {
        if (id.kind().handsOut()) {
            s.waiting = waits.current();
            s.waitedMs = waits.totals(now);
        }
    }

    /** Writes a {@code progress} status about every {@code progressEveryMillis}, for fires. */
    public void maybeReportProgress(long now) {
        if (id.kind() != WalkKind.FIRE || now < progressAt) {
            return;
        }
        progressAt = now + ctx.progressEveryMillis();
        CampaignStatus s = CampaignStatus.of(id.campaignId(), StatusKind.PROGRESS, null, now);
        count(s);
        s.usersExpected = usersExpected();
        s.elapsedMs = (System.nanoTime() - startedNanos) / 1_000_000;
        sayWaits(s, now);
        ctx.status(s);
    }

    /** The status this instance writes when it has walked all of its users. */
    public CampaignStatus finalStatus() {
        CampaignStatus s = CampaignStatus.of(id.campaignId(), id.kind().finalStatus, null, ctx.now());
        count(s);
        s.elapsedMs = (System.nanoTime() - startedNanos) / 1_000_000;
        if (targets != null) {
            s.outcomes = new ArrayList<>(targets.outcomes());
        }
        sayWaits(s, s.at);
        s.waiting = null;
        action.finish(s, positions());
        return s;
    }

    /** This instance's users in all, extrapolated from the key groups walked (they are hash-balanced). */
    public Long usersExpected() {
        long done = 0;
        long usersInDone = 0;
        long users = 0;
        for (WalkPosition p : main.positions()) {
            users += p.users;
            if (p.done) {
                done++;
                usersInDone += p.users;
            }
        }
        return done == 0 ? null : Math.max(users, usersInDone * main.groups.size() / done);
    }

    /** Adds this walk's counts on this instance to {@code s}. */
    public void count(CampaignStatus s) {
        s.subtask = ctx.instance();
        s.subtasks = ctx.instances();
        s.keyGroups = main.groups.size();
        s.keyGroupsDone = (int) main.positions().stream().filter(p -> p.done).count();
        s.keyGroupsTotal = ctx.maxParallelism();
        List<WalkPosition> all = positions();
        s.users = all.stream().mapToLong(p -> p.users).sum();
        s.targeted = all.stream().mapToLong(p -> p.targeted).sum();
        s.suppressed = all.stream().mapToLong(p -> p.suppressed).sum();
        if (plan.campaign().hasHoldout()) {
            s.heldOut = all.stream().mapToLong(p -> p.heldOut).sum();
        }
        if (plan.campaign().hasTest()) {
            s.deferred = all.stream().mapToLong(p -> p.deferred).sum();
        }
        if (plan.campaign().hasArms()) {
            s.byArm = new TreeMap<>();
            all.forEach(p -> p.byArm.forEach((arm, n) -> s.byArm.merge(arm, n, Long::sum)));
        }
        long quietHours = all.stream().mapToLong(p -> p.quietHours).sum();
        s.quietHours = quietHours > 0 || plan.quiet() != null ? quietHours : null;
        long capped = all.stream().mapToLong(p -> p.capped).sum();
        s.capped = capped > 0 || plan.limits().any() ? capped : null;
        if (id.kind().checkpointed != WalkPosition.Kind.ESTIMATE) {
            s.handedOut = all.stream().mapToLong(p -> p.handedOut).sum();
        }
    }

    /** Releases the stored users of every cursor (before the state backend closes). */
    public void close() {
        main.close();
        apart.values().forEach(WalkCursor::close);
        if (spread != null) {
            spread.close();
        }
    }
}
