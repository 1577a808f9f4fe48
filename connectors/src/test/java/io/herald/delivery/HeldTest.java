package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.SendRequest;
import org.junit.jupiter.api.Test;

class HeldTest {
    private static SendRequest request(String campaign, String app) {
        SendRequest r = new SendRequest();
        r.campaignId = campaign;
        r.appId = app;
        r.notificationId = campaign + "/" + app;
        return r;
    }

    @Test
    void aCampaignsAndAnAppsPausesHoldTheirOwn_andTheTimeHeldIsCounted() {
        Held held = new Held(2);
        held.pause(SendRequest.control(SendRequest.Control.PAUSE, "c1"));
        held.pause(SendRequest.controlApp(SendRequest.Control.PAUSE, "news"));
        SendRequest ofCampaign = request("c1", "other");
        SendRequest ofApp = request("c2", "news");
        assertThat(held.holds(ofCampaign)).isTrue();
        assertThat(held.holds(ofApp)).isTrue();
        assertThat(held.holds(request("c2", "other"))).isFalse();
        assertThat(held.offer(ofCampaign, 1_000)).isTrue();
        assertThat(held.offer(ofApp, 2_000)).isTrue();
        assertThat(held.offer(request("c1", "x"), 2_000)).as("past its bound").isFalse();

        assertThat(held.resume(SendRequest.control(SendRequest.Control.RESUME, "c1"), 5_000))
                .containsExactly(ofCampaign);
        assertThat(ofCampaign.heldMs).isEqualTo(4_000);
        assertThat(ofCampaign.heldSince).isZero();
        assertThat(held.resume(SendRequest.control(SendRequest.Control.RESUME, "c2"), 6_000))
                .as("its app is still paused")
                .isEmpty();
        assertThat(held.resume(SendRequest.controlApp(SendRequest.Control.RESUME, "news"), 7_000))
                .containsExactly(ofApp);
        assertThat(ofApp.heldMs).isEqualTo(5_000);
    }

    @Test
    void heldAgainAfterARestoreItKeepsCountingFromItsFirstHold() {
        Held held = new Held(10);
        held.pause(SendRequest.control(SendRequest.Control.PAUSE, "c1"));
        SendRequest r = request("c1", "news");
        held.add(r, 1_000);
        Held restored = new Held(10);
        restored.restorePaused(held.pausedCampaigns(), held.pausedApps());
        restored.add(r, 9_000);
        restored.resume(SendRequest.control(SendRequest.Control.RESUME, "c1"), 10_000);
        assertThat(r.heldMs).isEqualTo(9_000);
    }
}
