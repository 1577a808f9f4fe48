package io.herald.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The receipts topic's JSON, exactly as the README documents it. */
class OutputCodecTest {
    @Test
    void aReceiptIsWrittenFieldByFieldInTheDocumentedOrder_escapedAndWithoutAnAbsentReason() throws Exception {
        SendRequest q = new SendRequest();
        q.notificationId = "c/d\"1";
        q.campaignId = "c";
        q.userId = "ü";
        q.deviceId = "d";
        q.appId = "app";
        q.platform = Platform.ANDROID;
        q.firedAt = 5;
        assertThat(new String(OutputCodec.receipt(Receipt.of(q, Outcome.DELIVERED, 200, null, 1, 9)), StandardCharsets.UTF_8))
                .isEqualTo("{\"notificationId\":\"c/d\\\"1\",\"campaignId\":\"c\",\"userId\":\"ü\",\"deviceId\":\"d\","
                        + "\"appId\":\"app\",\"platform\":\"android\",\"outcome\":\"delivered\",\"providerStatus\":200,"
                        + "\"attempts\":1,\"firedAt\":5,\"ackAt\":9,\"latencyMs\":4}");
        String dead = new String(OutputCodec.receipt(Receipt.of(q, Outcome.TOKEN_DEAD, 404, "UNREGISTERED", 2, 9)),
                StandardCharsets.UTF_8);
        assertThat(Json.MAPPER.readTree(dead).get("reason").asText()).isEqualTo("UNREGISTERED");
        assertThat(dead).contains("\"outcome\":\"token_dead\"");
    }
}
