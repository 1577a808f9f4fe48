package io.herald.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.AttributeValue;
import io.herald.model.AudienceRow;
import io.herald.model.DeviceEvent;
import io.herald.model.DeviceRecord;
import io.herald.model.Exposure;
import io.herald.model.Interaction;
import io.herald.model.Platform;
import io.herald.model.PushKeys;
import io.herald.model.UserState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DeviceStateMergeTest {
    private static DeviceEvent register(String token, String locale, long version) {
        DeviceEvent e = new DeviceEvent();
        e.type = DeviceEvent.Type.REGISTER;
        e.userId = "u1";
        e.deviceId = "d1";
        e.appId = "news";
        e.platform = Platform.IOS;
        e.token = token;
        e.locale = locale;
        e.version = version;
        return e;
    }

    private static DeviceEvent uninstall(long version) {
        DeviceEvent e = new DeviceEvent();
        e.type = DeviceEvent.Type.UNINSTALL;
        e.userId = "u1";
        e.deviceId = "d1";
        e.version = version;
        return e;
    }

    private static DeviceRecord device(UserState s) {
        return s.devices.get("d1");
    }

    @Test
    void anOlderRegistrationArrivingLateDoesNotOverwriteANewerOne() {
        UserState s = new UserState();
        DeviceStateMerge.apply(s, register("tok-new", "pt-BR", 20));
        DeviceStateMerge.apply(s, register("tok-old", "en-US", 10));
        assertThat(device(s).token).isEqualTo("tok-new");
        assertThat(device(s).locale).isEqualTo("pt-BR");
        assertThat(device(s).reachable()).isTrue();
    }

    @Test
    void uninstallIsATombstoneThatOnlyANewerRegistrationLifts() {
        UserState s = new UserState();
        DeviceStateMerge.apply(s, register("tok", "en", 10));
        DeviceStateMerge.apply(s, uninstall(20));
        DeviceStateMerge.apply(s, register("tok", "en", 15));
        assertThat(device(s).reachable()).isFalse();
        DeviceStateMerge.apply(s, register("tok", "en", 30));
        assertThat(device(s).reachable()).isTrue();
    }

    @Test
    void anUninstallArrivingBeforeTheRegistrationItFollowsStillWins() {
        UserState s = new UserState();
        DeviceStateMerge.apply(s, uninstall(20));
        DeviceStateMerge.apply(s, register("tok", "en", 10));
        assertThat(device(s).reachable()).isFalse();
    }

    @Test
    void aTokenRejectionKillsOnlyTheTokenItNames() {
        UserState s = new UserState();
        DeviceStateMerge.apply(s, register("tok-2", "en", 10));
        DeviceStateMerge.apply(s, DeviceEvent.tokenRejected("u1", "d1", "news", "tok-1", "Unregistered", 50));
        assertThat(device(s).reachable()).isTrue();
        DeviceStateMerge.apply(s, DeviceEvent.tokenRejected("u1", "d1", "news", "tok-2", "Unregistered", 50));
        assertThat(device(s).reachable()).isFalse();
        assertThat(device(s).tokenDead()).isTrue();
    }

    @Test
    void aRegistrationAfterTheRejectionRevivesTheToken_oneBeforeItDoesNot() {
        UserState s = new UserState();
        DeviceStateMerge.apply(s, register("tok", "en", 10));
        DeviceStateMerge.apply(s, DeviceEvent.tokenRejected("u1", "d1", "news", "tok", "Unregistered", 50));
        DeviceStateMerge.apply(s, register("tok", "en", 40));
        assertThat(device(s).reachable()).isFalse();
        DeviceStateMerge.apply(s, register("tok", "en", 60));
        assertThat(device(s).reachable()).isTrue();
    }

    @Test
    void anApnsRejectionOlderThanTheTokensRegistrationLeavesItAlive() {
        UserState s = new UserState();
        DeviceStateMerge.apply(s, register("tok", "en", 100));
        DeviceStateMerge.apply(s, DeviceEvent.tokenRejected("u1", "d1", "news", "tok", "Unregistered", 90));
        assertThat(device(s).reachable()).isTrue();
        DeviceStateMerge.apply(s, DeviceEvent.tokenRejected("u1", "d1", "news", "tok", "Unregistered", 110));
        assertThat(device(s).reachable()).isFalse();
    }

    @Test
    void attributesAreLastWriterWinsOneByOne() {
        UserState s = new UserState();
        DeviceEvent newer = register("tok", "en", 20);
        newer.attributes = Map.of("name", AttributeValue.of("Ana", 20));
        DeviceEvent older = register("tok", "en", 10);
        older.attributes = Map.of("name", AttributeValue.of("Old", 10), "streak", AttributeValue.of(3, 10));
        DeviceStateMerge.apply(s, newer);
        DeviceStateMerge.apply(s, older);
        assertThat(s.profile.attributes.get("name").value()).isEqualTo("Ana");
        assertThat(s.profile.attributes.get("streak").value()).isEqualTo(3L);
    }

    @Test
    void applyingTheSameEventsTwiceGivesTheSameState() {
        List<DeviceEvent> events = List.of(
                register("tok", "en", 10),
                uninstall(20),
                register("tok2", "de", 30),
                DeviceEvent.tokenRejected("u1", "d1", "news", "tok2", "BadDeviceToken", 40));
        UserState once = new UserState();
        events.forEach(e -> DeviceStateMerge.apply(once, e));
        UserState twice = new UserState();
        events.forEach(e -> DeviceStateMerge.apply(twice, e));
        events.forEach(e -> DeviceStateMerge.apply(twice, e));
        DeviceRecord a = device(once);
        DeviceRecord b = device(twice);
        assertThat(b).usingRecursiveComparison().isEqualTo(a);
        assertThat(a.tokenDead()).isTrue();
    }

    @Test
    void audienceRowsAreIdempotent() {
        UserState s = new UserState();
        DeviceStateMerge.apply(s, new AudienceRow("c1", "u1"));
        DeviceStateMerge.apply(s, new AudienceRow("c1", "u1"));
        DeviceStateMerge.apply(s, new AudienceRow("c0", "u1"));
        DeviceStateMerge.apply(s, new AudienceRow("c1", "u1"));
        assertThat(s.profile.audienceCampaigns).containsExactly("c0", "c1");
    }

    @Test
    void aPartialUpdateChangesOnlyItsFieldsAndDoesNotReinstall() {
        UserState s = new UserState();
        DeviceStateMerge.apply(s, register("tok", "en", 10));
        DeviceStateMerge.apply(s, uninstall(20));
        DeviceEvent update = new DeviceEvent();
        update.type = DeviceEvent.Type.UPDATE;
        update.userId = "u1";
        update.deviceId = "d1";
        update.locale = "fr-FR";
        update.version = 30;
        DeviceStateMerge.apply(s, update);
        assertThat(device(s).locale).isEqualTo("fr-FR");
        assertThat(device(s).token).isEqualTo("tok");
        assertThat(device(s).installed()).isFalse();
    }

    @Test
    void tagsAreALastWriterWinsSetAndARegistrationsListReplacesIt() {
        UserState s = new UserState();
        DeviceEvent r = register("tok", "en", 10);
        r.tags = List.of("a", "b");
        DeviceStateMerge.apply(s, r);
        DeviceStateMerge.apply(s, tags(DeviceEvent.Type.TAGS_REMOVE, 12, "a"));
        DeviceStateMerge.apply(s, tags(DeviceEvent.Type.TAGS_ADD, 11, "a"));
        DeviceStateMerge.apply(s, tags(DeviceEvent.Type.TAGS_ADD, 13, "c"));
        assertThat(device(s).currentTags()).containsExactlyInAnyOrder("b", "c");
        DeviceEvent replace = register("tok", "en", 20);
        replace.tags = List.of("d");
        DeviceStateMerge.apply(s, replace);
        DeviceStateMerge.apply(s, tags(DeviceEvent.Type.TAGS_ADD, 15, "e"));
        assertThat(device(s).currentTags()).containsExactly("d");
    }

    @Test
    void eraseForgetsEverythingUpToItsVersionWhicheverOrder() {
        DeviceEvent reg = register("tok", "en", 10);
        reg.attributes = Map.of("name", AttributeValue.of("Ana", 10));
        DeviceEvent erase = new DeviceEvent();
        erase.type = DeviceEvent.Type.ERASE_USER;
        erase.userId = "u1";
        erase.version = 15;
        DeviceEvent later = register("tok2", "de", 20);

        UserState a = new UserState();
        List.of(reg, erase, later).forEach(e -> DeviceStateMerge.apply(a, e));
        UserState b = new UserState();
        List.of(later, erase, reg).forEach(e -> DeviceStateMerge.apply(b, e));
        assertThat(a).usingRecursiveComparison().isEqualTo(b);
        assertThat(a.profile.attributes).isEmpty();
        assertThat(device(a).token).isEqualTo("tok2");

        UserState gone = new UserState();
        DeviceStateMerge.apply(gone, reg);
        // What the user's apps reported and campaigns measured: no versions of their own, all forgotten.
        gone.profile.exposures.put("c1", new Exposure("a", false, 1, 2));
        gone.profile.recentEventIds.add("e1");
        gone.profile.lastOpenedAt = 12;
        gone.profile.lastEvents.put("purchase", 12L);
        gone.profile.pending.add(new Interaction());
        DeviceStateMerge.apply(gone, erase);
        assertThat(gone.devices).isEmpty();
        assertThat(gone.profile.exposures).isEmpty();
        assertThat(gone.profile.recentEventIds).isEmpty();
        assertThat(gone.profile.lastOpenedAt).isEqualTo(DeviceRecord.NEVER);
        assertThat(gone.profile.lastEvents).isEmpty();
        assertThat(gone.profile.pending).isEmpty();
    }

    private static DeviceEvent tags(DeviceEvent.Type type, long version, String... tags) {
        DeviceEvent e = new DeviceEvent();
        e.type = type;
        e.userId = "u1";
        e.deviceId = "d1";
        e.tags = List.of(tags);
        e.version = version;
        return e;
    }

    private static DeviceEvent subscribe(String endpoint, String p256dh, String browser, long version) {
        DeviceEvent e = register(endpoint, "fr-FR", version);
        e.platform = Platform.WEB;
        e.pushKeys = PushKeys.of(p256dh, "auth-" + p256dh);
        e.browser = browser;
        return e;
    }

    @Test
    void aWebSubscriptionsKeysGoWithItsEndpoint_inAnyOrder() {
        DeviceEvent older = subscribe("https://push.example/a", "k1", "firefox", 10);
        DeviceEvent newer = subscribe("https://push.example/b", "k2", "chrome", 20);
        DeviceEvent twin = subscribe("https://push.example/b", "k3", "chrome", 20); // same version: greater wins
        for (List<DeviceEvent> order :
                List.of(List.of(older, newer, twin), List.of(twin, older, newer), List.of(newer, twin, older, twin))) {
            UserState s = new UserState();
            order.forEach(e -> DeviceStateMerge.apply(s, e));
            assertThat(device(s).token).isEqualTo("https://push.example/b");
            assertThat(device(s).pushKeys).isEqualTo(PushKeys.of("k3", "auth-k3"));
            assertThat(device(s).browser).isEqualTo("chrome");
            assertThat(device(s).reachable()).isTrue();
        }
        // A gone subscription (the push service said 410) leaves the device unreachable until a new one.
        UserState s = new UserState();
        DeviceStateMerge.apply(s, newer);
        DeviceStateMerge.apply(s, DeviceEvent.tokenRejected("u1", "d1", "news", "https://push.example/b", "410", 25));
        assertThat(device(s).reachable()).isFalse();
        DeviceStateMerge.apply(s, subscribe("https://push.example/c", "k4", "chrome", 30));
        assertThat(device(s).reachable()).isTrue();
        // A web device without keys (a token given some other way) is not reachable.
        DeviceEvent bare = register("https://push.example/d", "fr-FR", 40);
        bare.platform = Platform.WEB;
        DeviceStateMerge.apply(s, bare);
        assertThat(device(s).pushKeys).isNull();
        assertThat(device(s).reachable()).isFalse();
    }

    private static DeviceEvent liveActivityToken(String activityType, String activityId, String token, long version) {
        DeviceEvent e = register(token, null, version);
        e.type = DeviceEvent.Type.LIVE_ACTIVITY_TOKEN;
        e.platform = null;
        e.activityType = activityType;
        e.activityId = activityId;
        return e;
    }

    private static DeviceEvent liveActivityEnded(String activityId, long version) {
        DeviceEvent e = uninstall(version);
        e.type = DeviceEvent.Type.LIVE_ACTIVITY_ENDED;
        e.activityId = activityId;
        return e;
    }

    private static UserState merged(List<DeviceEvent> events) {
        UserState s = new UserState();
        events.forEach(e -> DeviceStateMerge.apply(s, e));
        return s;
    }

    /** Every order of {@code events} (a few of them), each also with every event applied twice. */
    private static List<List<DeviceEvent>> everyOrder(List<DeviceEvent> events) {
        List<List<DeviceEvent>> orders = new ArrayList<>();
        permute(new ArrayList<>(events), 0, orders);
        for (List<DeviceEvent> order : new ArrayList<>(orders)) {
            List<DeviceEvent> twice = new ArrayList<>(order);
            twice.addAll(events);
            orders.add(twice);
        }
        return orders;
    }

    private static void permute(List<DeviceEvent> events, int from, List<List<DeviceEvent>> orders) {
        if (from == events.size()) {
            orders.add(new ArrayList<>(events));
            return;
        }
        for (int i = from; i < events.size(); i++) {
            Collections.swap(events, from, i);
            permute(events, from + 1, orders);
            Collections.swap(events, from, i);
        }
    }

    /** {@code events} in {@code n} seeded shuffles, each with a third of them repeated. */
    private static List<List<DeviceEvent>> shuffles(List<DeviceEvent> events, int n) {
        Random random = new Random(32);
        List<List<DeviceEvent>> orders = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<DeviceEvent> order = new ArrayList<>(events);
            events.stream().filter(e -> random.nextInt(3) == 0).forEach(order::add);
            Collections.shuffle(order, random);
            orders.add(order);
        }
        return orders;
    }

    @Test
    void liveActivityTokensAreLastWriterWinsByVersion_tiesByToken_inAnyOrder() {
        List<DeviceEvent> events = List.of(
                register("tok", "en", 5),
                liveActivityToken("MatchAttributes", null, "aa01", 10),
                liveActivityToken("MatchAttributes", null, "aa02", 20),
                liveActivityToken("MatchAttributes", null, "aa00", 20), // a tie: the greater token wins
                liveActivityToken("MatchAttributes", "match-42", "bb01", 30),
                liveActivityToken("MatchAttributes", "match-42", "bb00", 15));
        UserState first = merged(events);
        for (List<DeviceEvent> order : everyOrder(events)) {
            assertThat(merged(order)).usingRecursiveComparison().isEqualTo(first);
        }
        assertThat(device(first).pushToStart("MatchAttributes").token).isEqualTo("aa02");
        assertThat(device(first).pushToStart("RaceAttributes")).isNull();
        assertThat(device(first).activityToken("match-42").token).isEqualTo("bb01");
        assertThat(device(first).activityToken("match-42").v).isEqualTo(30);
    }

    @Test
    void anActivitysEndIsATombstoneThatOnlyANewerTokenLifts_inAnyOrder() {
        List<DeviceEvent> ended = List.of(
                register("tok", "en", 5),
                liveActivityToken("MatchAttributes", "match-42", "bb01", 10),
                liveActivityEnded("match-42", 20),
                liveActivityToken("MatchAttributes", "match-42", "bb02", 20), // an end wins a tie
                liveActivityToken("MatchAttributes", "match-42", "bb03", 15),
                liveActivityEnded("match-7", 20)); // an end before any token of its activity
        UserState first = merged(ended);
        for (List<DeviceEvent> order : everyOrder(ended)) {
            assertThat(merged(order)).usingRecursiveComparison().isEqualTo(first);
        }
        assertThat(device(first).activityToken("match-42")).isNull();
        assertThat(device(first).activityToken("match-7")).isNull();
        // An older token of the ended activity, come late, stays ended; a newer one lifts the end.
        DeviceStateMerge.apply(first, liveActivityToken("MatchAttributes", "match-7", "cc01", 19));
        assertThat(device(first).activityToken("match-7")).isNull();
        DeviceStateMerge.apply(first, liveActivityToken("MatchAttributes", "match-42", "bb04", 21));
        assertThat(device(first).activityToken("match-42").token).isEqualTo("bb04");
    }

    @Test
    void aRejectedLiveActivityTokenIsDeadUntilANewerToken() {
        UserState s = merged(List.of(
                register("tok", "en", 5),
                liveActivityToken("MatchAttributes", null, "aa01", 10),
                liveActivityToken("MatchAttributes", "match-42", "bb01", 10)));
        DeviceStateMerge.apply(s, DeviceEvent.tokenRejected("u1", "d1", "news", "aa01", "BadDeviceToken", 12));
        DeviceStateMerge.apply(s, DeviceEvent.tokenRejected("u1", "d1", "news", "bb01", "BadDeviceToken", 9));
        assertThat(device(s).pushToStart("MatchAttributes")).isNull();
        assertThat(device(s).activityToken("match-42").token)
                .as("a rejection older than the token leaves it alive")
                .isEqualTo("bb01");
        assertThat(device(s).reachable())
                .as("the device's own token is another token")
                .isTrue();
        DeviceStateMerge.apply(s, liveActivityToken("MatchAttributes", null, "aa01", 11));
        assertThat(device(s).pushToStart("MatchAttributes")).isNull();
        DeviceStateMerge.apply(s, liveActivityToken("MatchAttributes", null, "aa02", 13));
        assertThat(device(s).pushToStart("MatchAttributes").token).isEqualTo("aa02");
    }

    @Test
    void liveActivityTokensNeedAnInstalledIosDevice() {
        UserState s = merged(List.of(
                register("tok", "en", 5), liveActivityToken("MatchAttributes", null, "aa01", 10), uninstall(20)));
        assertThat(device(s).pushToStart("MatchAttributes")).isNull();
        DeviceStateMerge.apply(s, register("tok", "en", 30));
        assertThat(device(s).pushToStart("MatchAttributes").token).isEqualTo("aa01");
        DeviceEvent android = register("fcm-token", "en", 40);
        android.platform = Platform.ANDROID;
        DeviceStateMerge.apply(s, android);
        assertThat(device(s).pushToStart("MatchAttributes")).isNull();
        // A token for a device the user never registered (another user's, say) is kept but never read.
        UserState stranger = merged(List.of(liveActivityToken("MatchAttributes", null, "aa01", 10)));
        assertThat(device(stranger).pushToStart("MatchAttributes")).isNull();
    }

    @Test
    void eraseForgetsLiveActivityTokens_andADeviceLeftWithNoneGoes() {
        DeviceEvent erase = new DeviceEvent();
        erase.type = DeviceEvent.Type.ERASE_USER;
        erase.userId = "u1";
        erase.version = 15;
        UserState s = merged(List.of(
                liveActivityToken("MatchAttributes", null, "aa01", 10),
                liveActivityToken("MatchAttributes", "match-42", "bb01", 10),
                liveActivityEnded("match-7", 12),
                erase));
        assertThat(s.devices).isEmpty();
        UserState kept = merged(List.of(
                liveActivityToken("MatchAttributes", null, "aa01", 10),
                liveActivityToken("RaceAttributes", null, "aa02", 20),
                liveActivityToken("MatchAttributes", "match-42", "bb01", 10),
                liveActivityEnded("match-7", 20),
                erase));
        assertThat(device(kept).pushToStart.keySet()).containsExactly("RaceAttributes");
        assertThat(device(kept).activityTokens.keySet()).containsExactly("match-7");
    }

    @Test
    void aDeviceKeepsTheNewest16PushToStartTokensAnd32Activities_inAnyOrder() {
        List<DeviceEvent> events = new ArrayList<>();
        events.add(register("tok", "en", 1));
        for (int i = 0; i < 20; i++) {
            events.add(liveActivityToken("Type" + i, null, String.format("a%03d", i), 100 + i));
            events.add(liveActivityToken("Type" + i, null, String.format("b%03d", i), 50 + 6 * i));
        }
        for (int i = 0; i < 40; i++) {
            events.add(liveActivityToken("MatchAttributes", "match-" + i, String.format("c%03d", i), 100 + i));
            events.add(liveActivityEnded("match-" + i, 100 + (i % 7) * 10));
        }
        UserState first = merged(events);
        for (List<DeviceEvent> order : shuffles(events, 200)) {
            assertThat(merged(order)).usingRecursiveComparison().isEqualTo(first);
        }
        assertThat(device(first).pushToStart).hasSize(DeviceStateMerge.MAX_PUSH_TO_START);
        assertThat(device(first).pushToStart("Type3")).as("the 4 oldest go").isNull();
        assertThat(device(first).pushToStart("Type4").token).isEqualTo("a004");
        assertThat(device(first).pushToStart("Type19").token)
                .as("its write at 164 beats the one at 119")
                .isEqualTo("b019");
        assertThat(device(first).activityTokens).hasSize(DeviceStateMerge.MAX_ACTIVITY_TOKENS);
    }

    @Test
    void anActivitysTokenExpiresADayBeforeTheDevicesNewestActivityWrite_inAnyOrder() {
        long hour = 3_600_000L;
        List<DeviceEvent> events = List.of(
                register("tok", "en", 0),
                liveActivityToken("MatchAttributes", "old", "bb01", 1 * hour),
                liveActivityToken("MatchAttributes", "recent", "bb02", 3 * hour),
                liveActivityEnded("ended", hour),
                liveActivityToken("MatchAttributes", null, "aa01", 0), // push-to-start tokens do not expire
                liveActivityToken("MatchAttributes", "later", "bb03", 26 * hour));
        UserState first = merged(events);
        for (List<DeviceEvent> order : everyOrder(events)) {
            assertThat(merged(order)).usingRecursiveComparison().isEqualTo(first);
        }
        assertThat(device(first).activityTokens.keySet()).containsExactlyInAnyOrder("recent", "later");
        assertThat(device(first).pushToStart("MatchAttributes").token).isEqualTo("aa01");
    }

    @Test
    void anEventOfAnotherKindDatedAheadExpiresNoActivityToken() {
        long hour = 3_600_000L;
        UserState state = merged(List.of(
                register("tok", "en", 0),
                liveActivityToken("MatchAttributes", "recent", "bb02", 3 * hour),
                tags(DeviceEvent.Type.TAGS_ADD, 1_000 * hour, "sports")));
        assertThat(device(state).activityToken("recent").token).isEqualTo("bb02");
    }
}
