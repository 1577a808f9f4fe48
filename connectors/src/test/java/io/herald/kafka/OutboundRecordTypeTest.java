package io.herald.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.serde.CompactType;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class OutboundRecordTypeTest {
    private final TypeSerializer<OutboundRecord> serializer =
            TypeInformation.of(OutboundRecord.class).createSerializer(new SerializerConfigImpl());

    @Test
    void flinkTakesTheCompactTypeForEveryStreamOfRecords() {
        assertThat(TypeInformation.of(OutboundRecord.class)).isInstanceOf(CompactType.class);
    }

    @Test
    void aRecordReadsBackAsWritten_withOrWithoutKey_andCopiesAsBytes() throws Exception {
        for (OutboundRecord r : new OutboundRecord[] {
            OutboundRecord.of("receipts", "ü-user", "{\"a\":1}".getBytes(StandardCharsets.UTF_8)),
            new OutboundRecord("campaign-status", null, new byte[0]),
            new OutboundRecord("dead-letters", new byte[] {1, 2}, null)
        }) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            serializer.serialize(r, out);
            OutboundRecord back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            assertThat(back).usingRecursiveComparison().isEqualTo(r);

            DataOutputSerializer copied = new DataOutputSerializer(64);
            serializer.copy(new DataInputDeserializer(out.getCopyOfBuffer()), copied);
            assertThat(copied.getCopyOfBuffer()).isEqualTo(out.getCopyOfBuffer());
        }
        assertThat(serializer.snapshotConfiguration().restoreSerializer()).isSameAs(serializer);
    }
}
