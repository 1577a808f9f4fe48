package io.herald.apns;

import static org.assertj.core.api.Assertions.assertThat;

import com.eatthepath.pushy.apns.PushNotificationResponse;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import io.herald.delivery.ProviderReply;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Pushy's answers read into replies with APNs's table. */
class ApnsProviderTest {
    private static SendRequest request() {
        SendRequest r = new SendRequest();
        r.notificationId = "c1/d1";
        r.platform = Platform.IOS;
        r.token = "tok";
        r.firedAt = 100;
        return r;
    }

    /** Pushy's answer as it hands it over (its own implementation is not public). */
    private record Response(int status, String reason, Instant invalidSince)
            implements PushNotificationResponse<SimpleApnsPushNotification> {
        @Override
        public SimpleApnsPushNotification getPushNotification() {
            return new SimpleApnsPushNotification("tok", "topic", "{}");
        }

        @Override
        public boolean isAccepted() {
            return status == 200;
        }

        @Override
        public UUID getApnsId() {
            return null;
        }

        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        public Optional<String> getRejectionReason() {
            return Optional.ofNullable(reason);
        }

        @Override
        public Optional<Instant> getTokenInvalidationTimestamp() {
            return Optional.ofNullable(invalidSince);
        }
    }

    private static Response response(int status, String reason, Instant invalidSince) {
        return new Response(status, reason, invalidSince);
    }

    @Test
    void readsPushysAnswerWithTheApnsTable() {
        ProviderReply ok = ApnsProvider.reply(request(), response(200, null, null), 150);
        assertThat(ok.receipt.outcome).isEqualTo(Outcome.DELIVERED);
        assertThat(ok.receipt.reason).isNull();
        assertThat(ok.receipt.latencyMs()).isEqualTo(50);

        ProviderReply dead = ApnsProvider.reply(request(), response(410, "Unregistered", Instant.ofEpochMilli(42)), 1);
        assertThat(dead.receipt.outcome).isEqualTo(Outcome.TOKEN_DEAD);
        assertThat(dead.receipt.tokenInvalidAt).isEqualTo(42L);
        assertThat(dead.receipt.token).isEqualTo("tok");

        ProviderReply refused = ApnsProvider.reply(request(), response(403, "ExpiredProviderToken", null), 1);
        assertThat(refused.receipt.outcome).isEqualTo(Outcome.REJECTED);
        assertThat(refused.credentialsRefused).isTrue();

        assertThat(ApnsProvider.reply(request(), response(400, null, null), 1).receipt.reason)
                .isEqualTo("unknown");
        assertThat(ApnsProvider.reply(request(), response(503, "ServiceUnavailable", null), 1).receipt.outcome)
                .isEqualTo(Outcome.FAILED);
    }
}
