package io.herald.fcm;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.delivery.ProviderReply;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import org.junit.jupiter.api.Test;

/** FCM's answers read into replies with FCM's table, its errorCode taken from the FcmError detail. */
class FcmProviderTest {
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

    private static Receipt receipt(int status, String body) {
        return FcmProvider.reply(request(), status, body, 0, 1).receipt;
    }

    @Test
    void readsFcmAnswersWithTheFcmTable() {
        assertThat(FcmProvider.reply(request(), 200, "{\"name\":\"x\"}", 0, 150).receipt.outcome)
                .isEqualTo(Outcome.DELIVERED);
        Receipt dead = FcmProvider.reply(request(), 404, error(404, "NOT_FOUND", "UNREGISTERED"), 0, 150).receipt;
        assertThat(dead.outcome).isEqualTo(Outcome.TOKEN_DEAD);
        assertThat(dead.reason).isEqualTo("UNREGISTERED");
        assertThat(dead.latencyMs()).isEqualTo(50);
        assertThat(receipt(400, error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT")).outcome)
                .isEqualTo(Outcome.REJECTED);
        ProviderReply quota =
                FcmProvider.reply(request(), 429, error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"), 7000, 1);
        assertThat(quota.receipt.outcome).isEqualTo(Outcome.FAILED);
        assertThat(quota.retryAfterMs).isEqualTo(7000);
        assertThat(receipt(503, "not json").reason).isEqualTo("UNPARSEABLE_ERROR");
        assertThat(FcmProvider.errorCode("{\"error\":{\"status\":\"UNAUTHENTICATED\"}}"))
                .isEqualTo("UNAUTHENTICATED");
    }

    @Test
    void refusedCredentialsAreToldApartFromAnotherSendersToken() {
        assertThat(FcmProvider.reply(request(), 401, error(401, "UNAUTHENTICATED", "UNAUTHENTICATED"), 0, 1)
                        .credentialsRefused)
                .isTrue();
        assertThat(FcmProvider.reply(request(), 403, "{\"error\":{\"status\":\"PERMISSION_DENIED\"}}", 0, 1)
                        .credentialsRefused)
                .isTrue();
        assertThat(FcmProvider.reply(request(), 403, error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"), 0, 1)
                        .credentialsRefused)
                .isFalse();
        assertThat(FcmProvider.reply(request(), 429, error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"), 0, 1)
                        .credentialsRefused)
                .isFalse();
    }
}
