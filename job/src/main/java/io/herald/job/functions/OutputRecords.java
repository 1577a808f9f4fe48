package io.herald.job.functions;

import io.herald.auth.SigningKey;
import io.herald.job.config.HeraldConfig;
import io.herald.job.config.SigningKeyFiles;
import io.herald.json.CampaignEventCodec;
import io.herald.json.DeviceEventCodec;
import io.herald.json.OutputCodec;
import io.herald.kafka.OutboundRecord;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.DeadLetter;
import io.herald.model.DeviceEvent;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

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

    /** An audit record, keyed by its app: an app's history in one partition of the topic. */
    public static final class Audit implements MapFunction<CampaignStatus, OutboundRecord> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        public Audit(String topic) {
            this.topic = topic;
        }

        @Override
        public OutboundRecord map(CampaignStatus s) {
            return OutboundRecord.of(topic, s.appId, OutputCodec.campaignStatus(s));
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
    public static final class Winners extends RichMapFunction<CampaignEvent, OutboundRecord> {
        private static final long serialVersionUID = 1L;
        private final String topic;
        private final HeraldConfig.Signing signing;

        /** The job's own key, read from its file as the task opens; null when none is configured. */
        private transient SigningKey key;

        public Winners(String topic, HeraldConfig.Signing signing) {
            this.topic = topic;
            this.signing = signing;
        }

        @Override
        public void open(OpenContext context) {
            key = SigningKeyFiles.jobKey(signing);
        }

        /**
         * The winner record, signed with the job's key if it has one (so that an app that takes signed
         * records only takes it); its nonce names the decision, the same if it is written again.
         */
        @Override
        public OutboundRecord map(CampaignEvent e) {
            byte[] value = CampaignEventCodec.writeWinner(e.campaignId, e.arm);
            OutboundRecord r = OutboundRecord.of(topic, e.campaignId, value);
            if (key != null) {
                r.headers = key.sign(
                                r.key, value, System.currentTimeMillis(), "winner/" + e.campaignId + "/" + e.timestamp)
                        .headers();
            }
            return r;
        }
    }
}
