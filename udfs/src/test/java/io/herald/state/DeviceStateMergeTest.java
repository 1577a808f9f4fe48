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
import java.util.List;
import java.util.Map;
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
}
