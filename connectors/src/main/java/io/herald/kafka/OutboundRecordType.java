package io.herald.kafka;

import io.herald.serde.CompactSerializer;
import io.herald.serde.CompactType;
import java.io.IOException;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Flink's type for {@link OutboundRecord}: every record the job writes crosses one network hop to
 * the Kafka sink as this, one per notification at least. A POJO serializer reflects over each
 * field; this writes the topic, then key and value as length-prefixed bytes.
 */
public final class OutboundRecordType {
    private OutboundRecordType() {}

    /** Named by {@link OutboundRecord}'s {@code @TypeInfo}, so every stream of it uses this type. */
    public static final class Factory extends TypeInfoFactory<OutboundRecord> {
        @Override
        public TypeInformation<OutboundRecord> createTypeInfo(Type t, Map<String, TypeInformation<?>> generics) {
            return new CompactType<>(OutboundRecord.class, Serializer.INSTANCE);
        }
    }

    /**
     * Topic (UTF-8), then key and value, each as a length (-1 for none) and its bytes, then the
     * headers: a count (-1 for none) and each name and value.
     */
    public static final class Serializer extends CompactSerializer<OutboundRecord> {
        private static final long serialVersionUID = 1L;
        static final Serializer INSTANCE = new Serializer();

        @Override
        public OutboundRecord createInstance() {
            return new OutboundRecord();
        }

        @Override
        public OutboundRecord copy(OutboundRecord from) {
            // The byte arrays and headers are never changed once made: sharing them is safe.
            OutboundRecord r = new OutboundRecord(from.topic, from.key, from.value);
            r.headers = from.headers;
            return r;
        }

        @Override
        public void serialize(OutboundRecord r, DataOutputView out) throws IOException {
            writeBytes(r.topic == null ? null : r.topic.getBytes(StandardCharsets.UTF_8), out);
            writeBytes(r.key, out);
            writeBytes(r.value, out);
            out.writeInt(r.headers == null ? -1 : r.headers.size());
            if (r.headers != null) {
                for (Map.Entry<String, String> h : r.headers.entrySet()) {
                    out.writeUTF(h.getKey());
                    out.writeUTF(h.getValue());
                }
            }
        }

        @Override
        public OutboundRecord deserialize(DataInputView in) throws IOException {
            byte[] topic = readBytes(in);
            OutboundRecord r = new OutboundRecord(
                    topic == null ? null : new String(topic, StandardCharsets.UTF_8), readBytes(in), readBytes(in));
            int headers = in.readInt();
            if (headers >= 0) {
                r.headers = new LinkedHashMap<>();
                for (int i = 0; i < headers; i++) {
                    r.headers.put(in.readUTF(), in.readUTF());
                }
            }
            return r;
        }

        @Override
        public TypeSerializerSnapshot<OutboundRecord> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** The serializer has no configuration: its snapshot only names it. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<OutboundRecord> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }
    }
}
