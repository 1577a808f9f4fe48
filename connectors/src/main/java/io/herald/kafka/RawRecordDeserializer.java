package io.herald.kafka;

import io.herald.auth.ControlSignature;
import io.herald.model.RawRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Hands every Kafka record on as a {@link RawRecord}, unparsed. Parsing happens downstream, where a
 * bad record becomes a dead letter; a deserializer that threw would fail the job instead.
 */
public final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        RawRecord raw =
                new RawRecord(record.topic(), record.partition(), record.offset(), record.timestamp(), record.value());
        raw.signature = signature(record.headers());
        if (raw.signature != null) {
            raw.key = record.key();
        }
        out.collect(raw);
    }

    /**
     * The signature a control record's headers carry ({@link ControlSignature}), or null without any
     * of its headers. A time that is not a number is kept as missing, so that the check refuses the
     * record saying which.
     */
    static ControlSignature signature(Headers headers) {
        String keyId = text(headers, ControlSignature.KEY_ID_HEADER);
        String signedAt = text(headers, ControlSignature.SIGNED_AT_HEADER);
        String nonce = text(headers, ControlSignature.NONCE_HEADER);
        String mac = text(headers, ControlSignature.MAC_HEADER);
        if (keyId == null && signedAt == null && nonce == null && mac == null) {
            return null;
        }
        Long at;
        try {
            at = signedAt == null ? null : Long.valueOf(signedAt.trim());
        } catch (NumberFormatException notATime) {
            at = null;
        }
        return new ControlSignature(keyId, at, nonce, mac);
    }

    private static String text(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
