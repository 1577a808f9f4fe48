package io.herald.job.functions;

import io.herald.json.CampaignEventCodec;
import io.herald.json.DeviceEventCodec;
import io.herald.json.OutputCodec;
import io.herald.kafka.OutboundRecord;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.DeadLetter;
import io.herald.model.DeviceEvent;
import org.apache.flink.api.common.functions.MapFunction;

/** Turns side outputs into records for their topics. */
public final class OutputRecords {
    private OutputRecords() {}

    /** A dead letter, keyed by the topic it came from. */
    public static final class DeadLetters implements MapFunction<DeadLetter, OutboundRecord> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        public DeadLetters(String topic) {
            this.topic = topic;
        }

        @Override
        public OutboundRecord map(DeadLetter d) {
            return OutboundRecord.of(topic, d.topic, OutputCodec.deadLetter(d));
        }
    }

    /** A campaign status record, keyed by campaign so each campaign's story stays in order. */
    public static final class Statuses implements MapFunction<CampaignStatus, OutboundRecord> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        public Statuses(String topic) {
            this.topic = topic;
        }

        @Override
        public OutboundRecord map(CampaignStatus s) {
            // Keyed by the campaign; a status about a whole app (its pause) by the app.
            return OutboundRecord.of(
                    topic, s.campaignId != null ? s.campaignId : s.appId, OutputCodec.campaignStatus(s));
        }
    }

    /** A device event Herald writes back to the devices topic (released claims), keyed by its user. */
    public static final class DeviceEvents implements MapFunction<DeviceEvent, OutboundRecord> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        public DeviceEvents(String topic) {
            this.topic = topic;
        }

        @Override
        public OutboundRecord map(DeviceEvent e) {
            return OutboundRecord.of(topic, e.userId, DeviceEventCodec.write(e));
        }
    }

    /** A tested campaign's winner, written to the campaigns topic, keyed by its campaign as its other records. */
    public static final class Winners implements MapFunction<CampaignEvent, OutboundRecord> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        public Winners(String topic) {
            this.topic = topic;
        }

        @Override
        public OutboundRecord map(CampaignEvent e) {
            return OutboundRecord.of(topic, e.campaignId, CampaignEventCodec.writeWinner(e.campaignId, e.arm));
        }
    }
}
