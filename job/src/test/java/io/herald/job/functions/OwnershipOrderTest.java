package io.herald.job.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.job.state.Claim;
import io.herald.model.DeviceEvent;
import io.herald.model.Platform;
import io.herald.model.UserState;
import io.herald.state.DeviceStateMerge;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Device histories where device ids move between users and tokens between devices, run through
 * the job's stages as the job runs them (claims on device ids, then on tokens, each stage seeing its
 * events in the order they reach it, then the merge per user): any order and any repetition of the
 * same events must give every user the same state. Each seed draws a history from a small world, so
 * that conflicts and version ties are common.
 */
class OwnershipOrderTest {
    private static final String[] USERS = {"u1", "u2", "u3"};
    private static final String[] DEVICES = {"d1", "d2", "d3"};
    private static final String[] TOKENS = {"aa", "bb", "cc", "dd"};

    @Test
    void anyOrderAndRepetitionGiveTheSameStateOwnershipIncluded() {
        for (long seed = 0; seed < Long.getLong("ownership.seeds", 5_000); seed++) {
            Random random = new Random(seed);
            List<DeviceEvent> history = history(random);
            List<DeviceEvent> replayed = new ArrayList<>(history);
            for (DeviceEvent e : history) {
                if (random.nextInt(3) == 0) {
                    replayed.add(e);
                }
            }
            Collections.shuffle(replayed, random);
            assertThat(run(replayed)).as("seed %d: %s", seed, describe(history)).isEqualTo(run(history));
        }
    }

    /** The job's path for these events: claim device ids, claim tokens, merge per user; every user's state. */
    static Map<String, String> run(List<DeviceEvent> events) {
        List<DeviceEvent> afterIds = stage(ClaimOwnership.Claimed.DEVICE_ID, events);
        List<DeviceEvent> afterTokens = stage(ClaimOwnership.Claimed.TOKEN, afterIds);
        Map<String, UserState> users = new TreeMap<>();
        for (DeviceEvent e : afterTokens) {
            DeviceStateMerge.apply(users.computeIfAbsent(e.userId, u -> new UserState()), e);
        }
        Map<String, String> view = new TreeMap<>();
        users.forEach((u, s) -> s.devices.forEach((d, r) -> view.put(
                u + "/" + d,
                (r.reachable() ? "reachable" : "unreachable") + " installed=" + r.installed() + " token=" + r.token
                        + " dead=" + r.tokenDead())));
        return view;
    }

    private static List<DeviceEvent> stage(ClaimOwnership.Claimed claimed, List<DeviceEvent> in) {
        Map<String, Claim> owners = new HashMap<>();
        List<DeviceEvent> out = new ArrayList<>();
        for (DeviceEvent e : in) {
            out.add(e);
            String key;
            try {
                key = ClaimOwnership.keyFor(claimed).getKey(e);
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
            Claim current = owners.get(key);
            Claim next = ClaimOwnership.decide(claimed, current, e, out::add);
            if (next != null) {
                owners.put(key, next);
            }
        }
        return out;
    }

    private static List<DeviceEvent> history(Random random) {
        List<DeviceEvent> events = new ArrayList<>();
        int n = 2 + random.nextInt(10);
        for (int i = 0; i < n; i++) {
            DeviceEvent e = new DeviceEvent();
            e.userId = USERS[random.nextInt(USERS.length)];
            e.deviceId = DEVICES[random.nextInt(DEVICES.length)];
            e.version = 1 + random.nextInt(8);
            int kind = random.nextInt(10);
            if (kind < 5) {
                e.type = DeviceEvent.Type.REGISTER;
                e.appId = "news";
                e.platform = Platform.IOS;
                e.token = TOKENS[random.nextInt(TOKENS.length)].repeat(32);
            } else if (kind < 7) {
                e.type = DeviceEvent.Type.UPDATE;
                if (random.nextBoolean()) {
                    e.token = TOKENS[random.nextInt(TOKENS.length)].repeat(32);
                } else {
                    e.lastSeen = (long) random.nextInt(100);
                }
            } else if (kind < 9) {
                e.type = DeviceEvent.Type.UNINSTALL;
            } else {
                e.type = DeviceEvent.Type.ERASE_USER;
                e.deviceId = null;
            }
            events.add(e);
        }
        return events;
    }

    private static String describe(List<DeviceEvent> events) {
        StringBuilder b = new StringBuilder();
        for (DeviceEvent e : events) {
            b.append(String.format(
                    "%n  %s %s %s%s @%d",
                    e.type, e.userId, e.deviceId, e.token == null ? "" : " " + e.token.substring(0, 2), e.version));
        }
        return b.toString();
    }
}
