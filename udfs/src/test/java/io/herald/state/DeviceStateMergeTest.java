package io.herald.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.AttributeValue;
import io.herald.model.AudienceRow;
import io.herald.model.DeviceEvent;
import io.herald.model.DeviceRecord;
import io.herald.model.Platform;
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
        assertThat(device(s).tokenDeadReason).isEqualTo("Unregistered");
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
    void attributesAreLastWriterWinsOneByOne() {
        UserState s = new UserState();
        DeviceEvent newer = register("tok", "en", 20);
        newer.attributes = Map.of("name", AttributeValue.of("Ana", 20));
        DeviceEvent older = register("tok", "en", 10);
        older.attributes = Map.of("name", AttributeValue.of("Old", 10), "streak", AttributeValue.of(3, 10));
        DeviceStateMerge.apply(s, newer);
        DeviceStateMerge.apply(s, older);
        assertThat(s.attributes.get("name").value()).isEqualTo("Ana");
        assertThat(s.attributes.get("streak").value()).isEqualTo(3L);
    }

    @Test
    void applyingTheSameEventsTwiceGivesTheSameState() {
        List<DeviceEvent> events = List.of(register("tok", "en", 10), uninstall(20), register("tok2", "de", 30),
                DeviceEvent.tokenRejected("u1", "d1", "news", "tok2", "BadDeviceToken", 40));
        UserState once = new UserState();
        events.forEach(e -> DeviceStateMerge.apply(once, e));
        UserState twice = new UserState();
        events.forEach(e -> DeviceStateMerge.apply(twice, e));
        events.forEach(e -> DeviceStateMerge.apply(twice, e));
        DeviceRecord a = device(once);
        DeviceRecord b = device(twice);
        assertThat(b).usingRecursiveComparison().isEqualTo(a);
        assertThat(a.tokenDead).isTrue();
    }

    @Test
    void audienceRowsAreIdempotent() {
        UserState s = new UserState();
        DeviceStateMerge.apply(s, new AudienceRow("c1", "u1"));
        DeviceStateMerge.apply(s, new AudienceRow("c1", "u1"));
        assertThat(s.audienceCampaigns).containsExactly("c1");
    }
}
