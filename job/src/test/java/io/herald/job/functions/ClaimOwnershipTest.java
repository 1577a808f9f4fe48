package io.herald.job.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.job.state.Claim;
import io.herald.model.DeviceEvent;
import io.herald.model.Platform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class ClaimOwnershipTest {
    private static KeyedOneInputStreamOperatorTestHarness<String, DeviceEvent, DeviceEvent> harness(
            ClaimOwnership.Claimed claimed) throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new ClaimOwnership(claimed, Duration.ofDays(270)), ClaimOwnership.keyFor(claimed), Types.STRING);
    }

    private static DeviceEvent register(String user, String device, String token, long version) {
        DeviceEvent e = new DeviceEvent();
        e.type = DeviceEvent.Type.REGISTER;
        e.userId = user;
        e.deviceId = device;
        e.appId = "news";
        e.platform = Platform.IOS;
        e.token = token;
        e.version = version;
        return e;
    }

    private static List<String> losses(KeyedOneInputStreamOperatorTestHarness<String, DeviceEvent, DeviceEvent> h) {
        return h.extractOutputValues().stream()
                .filter(e -> e.type == DeviceEvent.Type.UNINSTALL || e.type == DeviceEvent.Type.TOKEN_REJECTED)
                .map(e -> e.type.name().toLowerCase() + " " + e.userId + " " + e.deviceId + " @" + e.version)
                .collect(Collectors.toList());
    }

    @Test
    void whenAnotherUserLogsInOnTheDeviceTheFirstUserLosesIt_inEitherOrder() throws Exception {
        try (var h = harness(ClaimOwnership.Claimed.DEVICE_ID)) {
            h.processElement(register("ana", "phone", "tok-1", 10), 1);
            h.processElement(register("bob", "phone", "tok-2", 20), 2);
            // The loser loses the claim it made, as of its own version: the same whichever came first.
            assertThat(losses(h)).containsExactly("uninstall ana phone @10");
            assertThat(h.extractOutputValues()).hasSize(3);
        }
        try (var h = harness(ClaimOwnership.Claimed.DEVICE_ID)) {
            h.processElement(register("bob", "phone", "tok-2", 20), 1);
            h.processElement(register("ana", "phone", "tok-1", 10), 2);
            assertThat(losses(h)).containsExactly("uninstall ana phone @10");
        }
    }

    @Test
    void theSameUserRegisteringAgainLosesNothing() throws Exception {
        try (var h = harness(ClaimOwnership.Claimed.DEVICE_ID)) {
            h.processElement(register("ana", "phone", "tok-1", 10), 1);
            h.processElement(register("ana", "phone", "tok-2", 20), 2);
            h.processElement(register("ana", "phone", "tok-1", 5), 3);
            assertThat(losses(h)).isEmpty();
        }
    }

    @Test
    void aTokenRegisteredByAnotherDeviceIsTakenFromTheFirst() throws Exception {
        try (var h = harness(ClaimOwnership.Claimed.TOKEN)) {
            h.processElement(register("ana", "old-phone", "tok", 10), 1);
            h.processElement(register("bob", "new-phone", "tok", 20), 2);
            h.processElement(register("carl", "other", "tok", 15), 3);
            assertThat(losses(h)).containsExactly("token_rejected ana old-phone @10", "token_rejected carl other @15");
        }
    }

    @Test
    void anUpdateClaimsATokenButNoDeviceId() throws Exception {
        DeviceEvent update = register("bob", "phone", "tok-9", 30);
        update.type = DeviceEvent.Type.UPDATE;
        try (var h = harness(ClaimOwnership.Claimed.DEVICE_ID)) {
            h.processElement(register("ana", "phone", "tok-1", 10), 1);
            h.processElement(update, 2);
            assertThat(losses(h))
                    .as("an update installs nothing, so it takes no device from anyone")
                    .isEmpty();
        }
        try (var h = harness(ClaimOwnership.Claimed.TOKEN)) {
            h.processElement(register("ana", "tablet", "tok-9", 10), 1);
            h.processElement(update, 2);
            assertThat(losses(h)).containsExactly("token_rejected ana tablet @10");
        }
    }

    @Test
    void eventsThatClaimNothingPassThrough() throws Exception {
        try (var h = harness(ClaimOwnership.Claimed.TOKEN)) {
            DeviceEvent erase = new DeviceEvent();
            erase.type = DeviceEvent.Type.ERASE_USER;
            erase.userId = "ana";
            erase.version = 3;
            h.processElement(erase, 1);
            assertThat(h.extractOutputValues())
                    .usingRecursiveFieldByFieldElementComparator()
                    .containsExactly(erase);
        }
    }

    @Test
    void anErasedHoldersClaimIsForgottenButStillOutranksOlderClaims_inEitherOrder() {
        Claim held = ClaimOwnership.decide(
                ClaimOwnership.Claimed.DEVICE_ID, null, register("ana", "phone", "tok-1", 10), e -> {});
        Claim released = ClaimOwnership.decide(
                ClaimOwnership.Claimed.DEVICE_ID,
                held,
                DeviceEvent.claimsReleased("ana", "phone", "tok-1", 12),
                e -> {});
        assertThat(released.released()).isTrue();
        assertThat(released.userId).as("the erased user is forgotten").isNull();
        assertThat(released.version).isEqualTo(10);

        // An older claim loses to the forgotten one exactly as it lost to ana.
        List<DeviceEvent> before = new ArrayList<>();
        ClaimOwnership.decide(
                ClaimOwnership.Claimed.DEVICE_ID, held, register("bob", "phone", "tok-2", 5), before::add);
        List<DeviceEvent> after = new ArrayList<>();
        ClaimOwnership.decide(
                ClaimOwnership.Claimed.DEVICE_ID, released, register("bob", "phone", "tok-2", 5), after::add);
        assertThat(after).usingRecursiveFieldByFieldElementComparator().isEqualTo(before);
        // A newer one takes it, and tells nobody: there is nobody left to tell.
        List<DeviceEvent> newer = new ArrayList<>();
        Claim taken = ClaimOwnership.decide(
                ClaimOwnership.Claimed.DEVICE_ID, released, register("carl", "phone", "tok-3", 20), newer::add);
        assertThat(taken.userId).isEqualTo("carl");
        assertThat(newer).isEmpty();
        // A release for somebody else, or for a newer claim, changes nothing.
        assertThat(ClaimOwnership.decide(
                        ClaimOwnership.Claimed.DEVICE_ID,
                        held,
                        DeviceEvent.claimsReleased("bob", "phone", null, 12),
                        e -> {}))
                .isSameAs(held);
        assertThat(ClaimOwnership.decide(
                        ClaimOwnership.Claimed.DEVICE_ID,
                        held,
                        DeviceEvent.claimsReleased("ana", "phone", null, 9),
                        e -> {}))
                .isSameAs(held);
    }

    @Test
    void aLiveActivityTokenIsClaimedAsATokenByOneDevice_butClaimsNoDeviceId() throws Exception {
        DeviceEvent older = register("ana", "old-phone", "la-tok", 10);
        older.type = DeviceEvent.Type.LIVE_ACTIVITY_TOKEN;
        older.activityType = "MatchAttributes";
        DeviceEvent newer = register("bob", "new-phone", "la-tok", 20);
        newer.type = DeviceEvent.Type.LIVE_ACTIVITY_TOKEN;
        newer.activityType = "MatchAttributes";
        newer.activityId = "match-42";
        for (List<DeviceEvent> order : List.of(List.of(older, newer), List.of(newer, older))) {
            try (var h = harness(ClaimOwnership.Claimed.TOKEN)) {
                for (DeviceEvent e : order) {
                    h.processElement(e, 1);
                }
                assertThat(losses(h)).containsExactly("token_rejected ana old-phone @10");
                DeviceEvent lost = h.extractOutputValues().get(2);
                assertThat(lost.token).isEqualTo("la-tok");
            }
        }
        assertThat(ClaimOwnership.isClaim(newer, ClaimOwnership.Claimed.DEVICE_ID))
                .isFalse();
        assertThat(ClaimOwnership.concernsClaims(newer)).isTrue();
        // A device-id claim by a registration is not taken by another user's Live Activity token.
        try (var h = harness(ClaimOwnership.Claimed.DEVICE_ID)) {
            h.processElement(register("ana", "phone", "tok", 10), 1);
            DeviceEvent intruder = register("bob", "phone", "la-tok", 20);
            intruder.type = DeviceEvent.Type.LIVE_ACTIVITY_TOKEN;
            h.processElement(intruder, 2);
            assertThat(losses(h)).isEmpty();
        }
    }
}
