package io.herald.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
        OutputCodec.ReceiptWriter receipts = new OutputCodec.ReceiptWriter();
        SendRequest q = new SendRequest();
        q.notificationId = "c/d\"1";
        q.campaignId = "c";
        q.userId = "ü";
        q.deviceId = "d";
        q.appId = "app";
        q.platform = Platform.ANDROID;
        q.firedAt = 5;
        assertThat(new String(
                        receipts.write(Receipt.of(q, Outcome.DELIVERED, 200, null, 1, 9)), StandardCharsets.UTF_8))
                .isEqualTo("{\"notificationId\":\"c/d\\\"1\",\"campaignId\":\"c\",\"userId\":\"ü\",\"deviceId\":\"d\","
                        + "\"appId\":\"app\",\"platform\":\"android\",\"outcome\":\"delivered\",\"providerStatus\":200,"
                        + "\"attempts\":1,\"firedAt\":5,\"ackAt\":9,\"latencyMs\":4}");
        String dead = new String(
                receipts.write(Receipt.of(q, Outcome.TOKEN_DEAD, 404, "UNREGISTERED", 2, 9)), StandardCharsets.UTF_8);
        assertThat(Json.MAPPER.readTree(dead).get("reason").asText()).isEqualTo("UNREGISTERED");
        assertThat(dead).contains("\"outcome\":\"token_dead\"");
        String unconfirmed = new String(
                receipts.write(Receipt.of(
                        q,
                        Outcome.UNCONFIRMED,
                        0,
                        "written, then no answer: IOException: Connection reset by peer",
                        1,
                        9)),
                StandardCharsets.UTF_8);
        assertThat(unconfirmed).contains("\"outcome\":\"unconfirmed\"", "\"providerStatus\":0");
    }

    @Test
    void aReceiptSaysHowLongItWaitedForItsBudgetAndHowLongAPauseHeldIt() throws Exception {
        SendRequest q = new SendRequest();
        q.notificationId = "c/d";
        q.campaignId = "c";
        q.platform = Platform.IOS;
        q.heldMs = 61_000;
        Receipt r = Receipt.of(q, Outcome.DELIVERED, 200, null, 1, 9);
        r.waitedForSlotMs = 420;
        String json = new String(new OutputCodec.ReceiptWriter().write(r), StandardCharsets.UTF_8);
        assertThat(json).endsWith(",\"waitedForSlotMs\":420,\"heldMs\":61000}");
    }

    @Test
    void aReceiptNamesItsArm_andOfACampaignWithoutArmsSaysNone() throws Exception {
        SendRequest q = new SendRequest();
        q.notificationId = "c/d";
        q.campaignId = "c";
        q.userId = "u";
        q.platform = Platform.IOS;
        q.arm = "bold";
        OutputCodec.ReceiptWriter writer = new OutputCodec.ReceiptWriter();
        String json =
                new String(writer.write(Receipt.of(q, Outcome.DELIVERED, 200, null, 1, 9)), StandardCharsets.UTF_8);
        assertThat(json)
                .startsWith("{\"notificationId\":\"c/d\",\"campaignId\":\"c\",\"arm\":\"bold\",\"userId\":\"u\"");
        q.arm = null;
        assertThat(new String(writer.write(Receipt.of(q, Outcome.DELIVERED, 200, null, 1, 9)), StandardCharsets.UTF_8))
                .doesNotContain("arm");
    }

    @Test
    void oneWriterWritesReceiptAfterReceipt_eachADocumentOfItsOwn_andEscapesTheIdsItRemembers() throws Exception {
        OutputCodec.ReceiptWriter receipts = new OutputCodec.ReceiptWriter();
        SendRequest q = new SendRequest();
        q.userId = "u";
        q.deviceId = "d";
        q.platform = Platform.IOS;
        // More distinct campaigns than the writer remembers, each twice, one of them needing escapes.
        for (int i = 0; i < 2 * OutputCodec.ReceiptWriter.MAX_REMEMBERED + 10; i++) {
            q.campaignId = (i % 7 == 0 ? "c\"" : "c") + (i % (OutputCodec.ReceiptWriter.MAX_REMEMBERED + 5));
            q.appId = i % 3 == 0 ? null : "app\u2028" + (i % 2);
            q.notificationId = q.campaignId + "/" + q.deviceId;
            String json = new String(
                    receipts.write(Receipt.of(q, Outcome.DELIVERED, 200, null, 1, 9)), StandardCharsets.UTF_8);
            JsonNode back = Json.MAPPER.readTree(json);
            assertThat(json).startsWith("{\"notificationId\"").endsWith("}");
            assertThat(back.get("campaignId").asText()).isEqualTo(q.campaignId);
            assertThat(back.get("notificationId").asText()).isEqualTo(q.notificationId);
            assertThat(back.get("appId").isNull() ? null : back.get("appId").asText())
                    .isEqualTo(q.appId);
            assertThat(back.get("platform").asText()).isEqualTo("ios");
        }
    }
}
