package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import org.junit.jupiter.api.Test;

/** What a delivery refuses before sending, and the receipts that say why. */
class PreflightTest {
    private final CredentialStop stop = new CredentialStop();
    private final Preflight preflight = new Preflight("Test", "app"::equals, stop);

    private static SendRequest request() {
        SendRequest r = new SendRequest();
        r.notificationId = "c/d";
        r.campaignId = "c";
        r.appId = "app";
        r.platform = Platform.ANDROID;
        return r;
    }

    @Test
    void refusedAndExpiredRequestsGetReceiptsAndTheRestGo() {
        assertThat(preflight.refuse(request(), 100)).isNull();
        SendRequest big = request();
        big.refusal = "payload is 5000 bytes";
        assertThat(preflight.refuse(big, 100).outcome).isEqualTo(Outcome.REJECTED);
        assertThat(preflight.refuse(big, 100).reason).isEqualTo("payload is 5000 bytes");
        SendRequest capped = request();
        capped.refusal = "frequency cap";
        capped.refusedAs = Outcome.CAPPED;
        assertThat(preflight.refuse(capped, 100).outcome).isEqualTo(Outcome.CAPPED);
        SendRequest late = request();
        late.expiresAt = 50L;
        assertThat(preflight.refuse(late, 100).outcome).isEqualTo(Outcome.EXPIRED);
        assertThat(preflight.refuse(late, 40)).isNull();
    }

    @Test
    void cancelledCampaignsAppsWithoutCredentialsAndStoppedAppsAreRefused() {
        SendRequest other = request();
        other.appId = "other";
        assertThat(preflight.refuse(other, 1).reason).isEqualTo("no Test credentials for app");

        preflight.cancel("c");
        assertThat(preflight.refuse(request(), 1).outcome).isEqualTo(Outcome.CANCELLED);
        assertThat(preflight.cancelledCampaigns()).containsExactly("c");

        Preflight fresh = new Preflight("Test", "app"::equals, stop);
        stop.stop("app", "403 InvalidProviderToken");
        assertThat(fresh.refuse(request(), 1).outcome).isEqualTo(Outcome.REJECTED);
        assertThat(fresh.refuse(request(), 1).reason).contains("the provider refused its credentials");

        assertThat(fresh.queueFull(request(), 7, 1).outcome).isEqualTo(Outcome.FAILED);
        assertThat(fresh.queueFull(request(), 7, 1).reason)
                .isEqualTo("not sent: the Test delivery queue was full (7 waiting)");
    }

    @Test
    void theOldestCancelledCampaignIsForgottenPastTheLimit() {
        for (int i = 0; i <= Preflight.MAX_CANCELLED; i++) {
            preflight.cancel("c" + i);
        }
        assertThat(preflight.cancelledCampaigns())
                .hasSize(Preflight.MAX_CANCELLED)
                .doesNotContain("c0");
    }
}
