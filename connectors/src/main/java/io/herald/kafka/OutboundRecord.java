package io.herald.kafka;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A record for one of Herald's output topics, already serialized: the single type the sink takes.
 * Crosses the network with its own compact serializer ({@link OutboundRecordType}).
 */
@TypeInfo(OutboundRecordType.Factory.class)
public class OutboundRecord {
    public String topic;
    public byte[] key;
    public byte[] value;
    /** Kafka headers (a signed control record's signature), or null for none. */
    public Map<String, String> headers;

    public OutboundRecord() {}

    public OutboundRecord(String topic, byte[] key, byte[] value) {
        this.topic = topic;
        this.key = key;
        this.value = value;
    }

    public static OutboundRecord of(String topic, String key, byte[] value) {
        return new OutboundRecord(topic, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value);
    }
}
