package io.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.payload.Payloads;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The fan-out refuses a web message over {@link Payloads#WEB_PUSH_MAX_BYTES} without the
 * encryption at hand (the model has no I/O or crypto): the two limits are one.
 */
class MessageLimitTest {
    @Test
    void theFanOutsLimitIsWhatOneRecordHolds() {
        assertThat(Payloads.WEB_PUSH_MAX_BYTES).isEqualTo(WebPushEncryption.MAX_PLAINTEXT_LENGTH);
        SubscriptionKeys keys = WebPushDecryption.generate().subscriptionKeys();
        byte[] longest = "x".repeat(Payloads.WEB_PUSH_MAX_BYTES).getBytes(StandardCharsets.UTF_8);
        assertThat(WebPushEncryption.encrypt(longest, keys)).hasSize(4096);
    }
}
