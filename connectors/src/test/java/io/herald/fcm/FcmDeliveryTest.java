package io.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import org.junit.jupiter.api.Test;

class FcmDeliveryTest {
    private static SendRequest request() {
        SendRequest r = new SendRequest();
        r.notificationId = "c1/d1";
        r.campaignId = "c1";
        r.deviceId = "d1";
        r.platform = Platform.ANDROID;
        r.firedAt = 100;
        return r;
    }

    private static String error(int code, String status, String errorCode) {
        return "{\"error\":{\"code\":" + code + ",\"status\":\"" + status + "\",\"details\":[{\"@type\":"
                + "\"type.googleapis.com/google.firebase.fcm.v1.FcmError\",\"errorCode\":\"" + errorCode + "\"}]}}";
    }

    @Test
    void mapsFcmAnswersToOutcomes() {
        assertThat(FcmDelivery.fromResponse(request(), 200, "{\"name\":\"x\"}", 150).outcome).isEqualTo(Outcome.DELIVERED);
        Receipt dead = FcmDelivery.fromResponse(request(), 404, error(404, "NOT_FOUND", "UNREGISTERED"), 150);
        assertThat(dead.outcome).isEqualTo(Outcome.TOKEN_DEAD);
        assertThat(dead.reason).isEqualTo("UNREGISTERED");
        assertThat(dead.latencyMs()).isEqualTo(50);
        assertThat(FcmDelivery.fromResponse(request(), 400, error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"), 1).outcome)
                .isEqualTo(Outcome.REJECTED);
        assertThat(FcmDelivery.fromResponse(request(), 429, error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"), 1).outcome)
                .isEqualTo(Outcome.FAILED);
        assertThat(FcmDelivery.fromResponse(request(), 503, "not json", 1).reason).isEqualTo("UNPARSEABLE_ERROR");
        assertThat(FcmDelivery.errorCode("{\"error\":{\"status\":\"UNAUTHENTICATED\"}}")).isEqualTo("UNAUTHENTICATED");
    }

    @Test
    void refusedCredentialsAreToldApartFromAnotherSendersToken() {
        assertThat(FcmDelivery.isCredentialFailure(401, "UNAUTHENTICATED")).isTrue();
        assertThat(FcmDelivery.isCredentialFailure(403, "PERMISSION_DENIED")).isTrue();
        assertThat(FcmDelivery.isCredentialFailure(403, "SENDER_ID_MISMATCH")).isFalse();
        assertThat(FcmDelivery.isCredentialFailure(429, "QUOTA_EXCEEDED")).isFalse();
    }

    @Test
    void retryAfterIsReadInSeconds() {
        assertThat(Http2Connections.retryAfterMs("7")).isEqualTo(7000);
        assertThat(Http2Connections.retryAfterMs(null)).isZero();
        assertThat(Http2Connections.retryAfterMs("Wed, 21 Oct 2026 07:28:00 GMT")).isZero();
    }
}
