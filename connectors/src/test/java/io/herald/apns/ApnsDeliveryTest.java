package io.herald.apns;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Outcome;
import org.junit.jupiter.api.Test;

class ApnsDeliveryTest {
    @Test
    void classifiesApnsRejections() {
        assertThat(ApnsDelivery.outcomeOf(410, "Unregistered")).isEqualTo(Outcome.TOKEN_DEAD);
        assertThat(ApnsDelivery.outcomeOf(400, "BadDeviceToken")).isEqualTo(Outcome.TOKEN_DEAD);
        assertThat(ApnsDelivery.outcomeOf(400, "DeviceTokenNotForTopic")).isEqualTo(Outcome.TOKEN_DEAD);
        assertThat(ApnsDelivery.outcomeOf(413, "PayloadTooLarge")).isEqualTo(Outcome.REJECTED);
        assertThat(ApnsDelivery.outcomeOf(429, "TooManyRequests")).isEqualTo(Outcome.FAILED);
        assertThat(ApnsDelivery.outcomeOf(503, "ServiceUnavailable")).isEqualTo(Outcome.FAILED);
    }
}
