package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import org.junit.jupiter.api.Test;

class PreflightTest {
    private static SendRequest request() {
        SendRequest r = new SendRequest();
        r.notificationId = "c/d";
        r.platform = Platform.ANDROID;
        return r;
    }

    @Test
    void refusedAndExpiredRequestsGetReceiptsAndTheRestGo() {
        assertThat(Preflight.refuse(request(), 100)).isNull();
        SendRequest big = request();
        big.refusal = "payload is 5000 bytes";
        assertThat(Preflight.refuse(big, 100).outcome).isEqualTo(Outcome.REJECTED);
        assertThat(Preflight.refuse(big, 100).reason).isEqualTo("payload is 5000 bytes");
        SendRequest late = request();
        late.expiresAt = 50L;
        assertThat(Preflight.refuse(late, 100).outcome).isEqualTo(Outcome.EXPIRED);
        assertThat(Preflight.refuse(late, 40)).isNull();
    }
}
