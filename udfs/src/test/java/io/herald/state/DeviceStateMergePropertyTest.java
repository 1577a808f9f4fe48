package io.herald.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.AttributeValue;
import io.herald.model.DeviceEvent;
import io.herald.model.Platform;
import io.herald.model.UserState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The merge is a CRDT: any permutation of any multiset of the same events, duplicates included,
 * gives identical state. Histories are drawn from a small world (three devices, four tokens, three
 * tags, two attributes, versions 1 to 12) so that collisions and version ties are common. jqwik
 * prints the seed of any failure; rerun it with {@code @Property(seed = "...")}.
 */
class DeviceStateMergePropertyTest {
    @Property(tries = 3000)
    void anyOrderAndAnyRepetitionGiveTheSameState(
            @ForAll("histories") List<DeviceEvent> history, @ForAll("seeds") long shuffleSeed) {
        UserState inOrder = new UserState();
        history.forEach(e -> DeviceStateMerge.apply(inOrder, e));

        Random random = new Random(shuffleSeed);
        List<DeviceEvent> replayed = new ArrayList<>(history);
        for (DeviceEvent e : history) {
            if (random.nextInt(3) == 0) {
                replayed.add(e);
            }
        }
        Collections.shuffle(replayed, random);
        UserState shuffled = new UserState();
        replayed.forEach(e -> DeviceStateMerge.apply(shuffled, e));

        assertThat(shuffled).usingRecursiveComparison().isEqualTo(inOrder);
    }

    /**
     * The same for one device's Live Activity tokens where the maps' bounds and the update tokens'
     * expiry bite: more activity types and activities than a device keeps, versions over 3 days.
     */
    @Property(tries = 500)
    void liveActivityBoundsAndExpiryDoNotDependOnOrder(
            @ForAll("liveActivityHistories") List<DeviceEvent> history, @ForAll("seeds") long shuffleSeed) {
        anyOrderAndAnyRepetitionGiveTheSameState(history, shuffleSeed);
    }

    @Provide
    Arbitrary<List<DeviceEvent>> liveActivityHistories() {
        Arbitrary<Integer> kind = Arbitraries.integers().between(0, 9);
        Arbitrary<Integer> key = Arbitraries.integers().between(0, 39);
        Arbitrary<Long> halfHours = Arbitraries.longs().between(0, 144);
        Arbitrary<String> token = Arbitraries.of("a1", "a2", "a3");
        return Combinators.combine(kind, key, halfHours, token)
                .as((k, n, h, tok) -> {
                    DeviceEvent e = new DeviceEvent();
                    e.userId = "u1";
                    e.deviceId = "d1";
                    e.version = h * 1_800_000L;
                    e.appId = "news";
                    e.token = tok;
                    if (k == 0) {
                        e.type = DeviceEvent.Type.REGISTER;
                        e.platform = Platform.IOS;
                    } else if (k == 1) {
                        e.type = DeviceEvent.Type.LIVE_ACTIVITY_ENDED;
                        e.activityId = "act" + n;
                    } else {
                        e.type = DeviceEvent.Type.LIVE_ACTIVITY_TOKEN;
                        e.activityType = "Type" + (n % 20);
                        e.activityId = k < 5 ? null : "act" + n;
                    }
                    return e;
                })
                .list()
                .ofMinSize(1)
                .ofMaxSize(150);
    }

    @Provide
    Arbitrary<Long> seeds() {
        return Arbitraries.longs();
    }

    @Provide
    Arbitrary<List<DeviceEvent>> histories() {
        return event().list().ofMinSize(1).ofMaxSize(40);
    }

    private Arbitrary<DeviceEvent> event() {
        Arbitrary<DeviceEvent.Type> type = Arbitraries.of(DeviceEvent.Type.class);
        Arbitrary<String> device = Arbitraries.of("d1", "d2", "d3");
        Arbitrary<Long> version = Arbitraries.longs().between(1, 12);
        Arbitrary<String> token = Arbitraries.of("t1", "t2", "t3", "t4").injectNull(0.3);
        Arbitrary<String> locale = Arbitraries.of("en", "pt-BR", "de").injectNull(0.5);
        Arbitrary<Boolean> optIn = Arbitraries.of(true, false).injectNull(0.6);
        Arbitrary<List<String>> tags =
                Arbitraries.of("a", "b", "c").list().ofMinSize(1).ofMaxSize(3).injectNull(0.4);
        Arbitrary<Integer> attribute = Arbitraries.integers().between(0, 5);
        Arbitrary<Long> lastSeen = Arbitraries.longs().between(100, 105).injectNull(0.5);
        return Combinators.combine(type, device, version, token, locale, optIn, tags, attribute)
                .as((t, d, v, tok, loc, opt, tg, attr) -> {
                    DeviceEvent e = new DeviceEvent();
                    e.type = t;
                    e.userId = "u1";
                    e.deviceId = t == DeviceEvent.Type.ERASE_USER ? null : d;
                    e.version = v;
                    switch (t) {
                        case REGISTER:
                        case UPDATE:
                            e.appId = "news";
                            e.platform = attr % 2 == 0 ? Platform.IOS : Platform.ANDROID;
                            e.token = tok;
                            e.locale = loc;
                            e.optIn = opt;
                            e.tags = tg;
                            e.lastSeen = 100L + attr;
                            if (attr < 3) {
                                e.attributes = Map.of(attr == 0 ? "x" : "y", AttributeValue.of(attr, v));
                            }
                            break;
                        case TAGS_ADD:
                        case TAGS_REMOVE:
                            e.tags = tg == null ? List.of("a") : tg;
                            break;
                        case ATTRIBUTES_SET:
                            e.attributes = Map.of(
                                    attr % 2 == 0 ? "x" : "y",
                                    attr == 4
                                            ? AttributeValue.timestamp(1000 + attr, v)
                                            : AttributeValue.of("s" + attr, v));
                            break;
                        case ATTRIBUTES_UNSET:
                            e.unset = List.of(attr % 2 == 0 ? "x" : "y");
                            break;
                        case TOKEN_REJECTED:
                            e.token = tok == null ? "t1" : tok;
                            break;
                        case LIVE_ACTIVITY_TOKEN:
                            e.activityType = attr % 2 == 0 ? "A" : "B";
                            e.activityId = attr < 3 ? null : attr == 3 ? "x" : "y";
                            e.token = tok == null ? "t1" : tok;
                            break;
                        case LIVE_ACTIVITY_ENDED:
                            e.activityId = attr % 2 == 0 ? "x" : "y";
                            break;
                        default:
                            break;
                    }
                    return e;
                });
    }
}
