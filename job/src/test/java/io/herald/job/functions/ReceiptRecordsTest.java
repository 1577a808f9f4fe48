package io.herald.job.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.json.DeviceEventCodec;
import io.herald.kafka.OutboundRecord;
import io.herald.model.DeviceEvent;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.RawRecord;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.DefaultOpenContext;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.junit.jupiter.api.Test;

class ReceiptRecordsTest {
    private static Receipt receipt(Outcome outcome) {
        SendRequest r = new SendRequest();
        r.notificationId = "c1/d1";
        r.campaignId = "c1";
        r.userId = "u1";
        r.deviceId = "d1";
        r.appId = "news";
        r.platform = Platform.IOS;
        r.token = "tok";
        r.tokenVersion = 10;
        return Receipt.of(r, outcome, 410, "Unregistered", 1, 2000);
    }

    @Test
    void aDeliveredReceiptIsOneRecord() throws Exception {
        List<OutboundRecord> out = new ArrayList<>();
        opened().flatMap(receipt(Outcome.DELIVERED), new ListCollector<>(out));
        assertThat(out).extracting(r -> r.topic).containsExactly("receipts");
        assertThat(new String(out.get(0).value, StandardCharsets.UTF_8)).contains("\"outcome\":\"delivered\"");
    }

    @Test
    void aDeadTokenAlsoFeedsATokenRejectionBackToTheDevicesTopic() throws Exception {
        Receipt dead = receipt(Outcome.TOKEN_DEAD);
        dead.tokenInvalidAt = 1500L;
        List<OutboundRecord> out = new ArrayList<>();
        opened().flatMap(dead, new ListCollector<>(out));
        assertThat(out).extracting(r -> r.topic).containsExactly("receipts", "devices");
        DeviceEvent e = new DeviceEventCodec()
                .parse(new RawRecord("devices", 0, 0, 0, out.get(1).value))
                .value();
        assertThat(e.type).isEqualTo(DeviceEvent.Type.TOKEN_REJECTED);
        assertThat(e.token).isEqualTo("tok");
        assertThat(e.version).isEqualTo(1500);
        assertThat(new String(out.get(1).key, StandardCharsets.UTF_8)).isEqualTo("u1");
    }

    @Test
    void withoutAProviderTimestampTheRejectionCarriesTheVersionOfTheTokenSentTo() throws Exception {
        List<OutboundRecord> out = new ArrayList<>();
        opened().flatMap(receipt(Outcome.TOKEN_DEAD), new ListCollector<>(out));
        DeviceEvent e = new DeviceEventCodec()
                .parse(new RawRecord("devices", 0, 0, 0, out.get(1).value))
                .value();
        assertThat(e.version).isEqualTo(10);
    }

    private static ReceiptRecords opened() {
        ReceiptRecords records = new ReceiptRecords("receipts", "devices");
        records.open(DefaultOpenContext.INSTANCE);
        return records;
    }
}
