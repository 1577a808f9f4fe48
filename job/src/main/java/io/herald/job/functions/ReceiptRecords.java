package io.herald.job.functions;

import io.herald.json.DeviceEventCodec;
import io.herald.json.OutputCodec;
import io.herald.kafka.OutboundRecord;
import io.herald.model.DeviceEvent;
import io.herald.model.Outcome;
import io.herald.model.Receipt;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * Writes each receipt to the receipts topic and, for a dead token, a {@code token_rejected} event to
 * the devices topic: the job reads it back like any device event, so the device is not targeted
 * again, and the feedback survives restarts and replays like every other state change.
 */
public final class ReceiptRecords extends RichFlatMapFunction<Receipt, OutboundRecord> {
    private static final long serialVersionUID = 1L;

    private final String receiptsTopic;
    private final String devicesTopic;
    private transient OutputCodec.ReceiptWriter receiptJson;

    public ReceiptRecords(String receiptsTopic, String devicesTopic) {
        this.receiptsTopic = receiptsTopic;
        this.devicesTopic = devicesTopic;
    }

    @Override
    public void open(OpenContext context) {
        receiptJson = new OutputCodec.ReceiptWriter();
    }

    @Override
    public void flatMap(Receipt receipt, Collector<OutboundRecord> out) {
        out.collect(OutboundRecord.of(receiptsTopic, receipt.userId, receiptJson.write(receipt)));
        if (receipt.outcome == Outcome.TOKEN_DEAD) {
            // APNs says since when the token is invalid: it stays alive if it was registered after that.
            // Without a timestamp the verdict is on the token as registered at the version we sent to.
            long version = receipt.tokenInvalidAt != null ? receipt.tokenInvalidAt : receipt.tokenVersion;
            DeviceEvent rejected = DeviceEvent.tokenRejected(
                    receipt.userId, receipt.deviceId, receipt.appId, receipt.token, receipt.reason, version);
            out.collect(OutboundRecord.of(devicesTopic, receipt.userId, DeviceEventCodec.write(rejected)));
        }
    }
}
