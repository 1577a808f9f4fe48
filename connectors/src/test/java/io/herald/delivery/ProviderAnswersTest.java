package io.herald.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.apns.ApnsProvider;
import io.herald.delivery.ProviderAnswers.Kind;
import io.herald.fcm.FcmProvider;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one classification of provider answers, as each provider's table fills it in. */
class ProviderAnswersTest {
    private static ProviderAnswers table(String provider) {
        return "APNs".equals(provider) ? ApnsProvider.ANSWERS : FcmProvider.ANSWERS;
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @CsvSource(
            nullValues = "-",
            value = {
                // provider, status, reason, kind
                "APNs, 200, -,                      DELIVERED",
                "APNs, 410, Unregistered,           TOKEN_DEAD",
                "APNs, 410, -,                      TOKEN_DEAD",
                "APNs, 400, BadDeviceToken,         TOKEN_DEAD",
                "APNs, 400, DeviceTokenNotForTopic, TOKEN_DEAD",
                "APNs, 403, InvalidProviderToken,   CREDENTIALS_REFUSED",
                "APNs, 403, ExpiredProviderToken,   CREDENTIALS_REFUSED",
                "APNs, 403, MissingProviderToken,   CREDENTIALS_REFUSED",
                "APNs, 403, BadCertificate,         REJECTED",
                "APNs, 400, PayloadEmpty,           REJECTED",
                "APNs, 413, PayloadTooLarge,        REJECTED",
                "APNs, 429, TooManyRequests,        RETRYABLE",
                "APNs, 500, InternalServerError,    RETRYABLE",
                "APNs, 503, ServiceUnavailable,     RETRYABLE",
                "FCM,  200, -,                      DELIVERED",
                "FCM,  404, UNREGISTERED,           TOKEN_DEAD",
                "FCM,  400, UNREGISTERED,           TOKEN_DEAD",
                "FCM,  401, UNAUTHENTICATED,        CREDENTIALS_REFUSED",
                "FCM,  401, -,                      CREDENTIALS_REFUSED",
                "FCM,  403, PERMISSION_DENIED,      CREDENTIALS_REFUSED",
                "FCM,  403, SENDER_ID_MISMATCH,     REJECTED",
                "FCM,  400, INVALID_ARGUMENT,       REJECTED",
                "FCM,  404, NOT_FOUND,              REJECTED",
                "FCM,  429, QUOTA_EXCEEDED,         RETRYABLE",
                "FCM,  500, INTERNAL,               RETRYABLE",
                "FCM,  503, UNAVAILABLE,            RETRYABLE",
                "FCM,  502, UNPARSEABLE_ERROR,      RETRYABLE",
            })
    void eachAnswerHasOneMeaning(String provider, int status, String reason, Kind kind) {
        assertThat(table(provider).kindOf(status, reason)).isEqualTo(kind);
    }

    @Test
    void kindsMapToOutcomes_andOnlyTransientOnesKeepTheirRetryAfter() {
        assertThat(Kind.DELIVERED.outcome).isEqualTo(Outcome.DELIVERED);
        assertThat(Kind.TOKEN_DEAD.outcome).isEqualTo(Outcome.TOKEN_DEAD);
        assertThat(Kind.CREDENTIALS_REFUSED.outcome).isEqualTo(Outcome.REJECTED);
        assertThat(Kind.RETRYABLE.outcome).isEqualTo(Outcome.FAILED);
        assertThat(Kind.REJECTED.outcome).isEqualTo(Outcome.REJECTED);

        SendRequest r = new SendRequest();
        r.notificationId = "c/d";
        r.platform = Platform.IOS;
        r.token = "tok";
        ProviderReply throttled = ApnsProvider.ANSWERS.reply(r, 429, "TooManyRequests", 2000, 5, null);
        assertThat(throttled.retryAfterMs).isEqualTo(2000);
        assertThat(throttled.receipt.reason).isEqualTo("TooManyRequests");
        assertThat(ApnsProvider.ANSWERS.reply(r, 400, "BadTopic", 2000, 5, null).retryAfterMs)
                .isZero();
        ProviderReply dead = ApnsProvider.ANSWERS.reply(r, 410, "Unregistered", 0, 5, 77L);
        assertThat(dead.receipt.tokenInvalidAt).isEqualTo(77L);
        assertThat(dead.receipt.token).isEqualTo("tok");
        assertThat(ApnsProvider.ANSWERS.reply(r, 403, "InvalidProviderToken", 0, 5, null).credentialsRefused)
                .isTrue();
        assertThat(ApnsProvider.ANSWERS.reply(r, 200, "ignored", 0, 5, null).receipt.reason)
                .isNull();
        assertThat(ProviderAnswers.isThrottle(429)).isTrue();
        assertThat(ProviderAnswers.isThrottle(503)).isFalse();
    }

    @Test
    void retryAfterIsReadInSeconds_upToAnHour() {
        assertThat(ProviderAnswers.retryAfterMs("7")).isEqualTo(7000);
        assertThat(ProviderAnswers.retryAfterMs(" 7 ")).isEqualTo(7000);
        assertThat(ProviderAnswers.retryAfterMs(null)).isZero();
        assertThat(ProviderAnswers.retryAfterMs("-3")).isZero();
        assertThat(ProviderAnswers.retryAfterMs("86400")).isEqualTo(3_600_000);
        assertThat(ProviderAnswers.retryAfterMs("Wed, 21 Oct 2026 07:28:00 GMT"))
                .isZero();
    }
}
