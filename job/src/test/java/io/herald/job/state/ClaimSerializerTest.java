package io.herald.job.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class ClaimSerializerTest {
    private final ClaimSerializer serializer = ClaimSerializer.INSTANCE;

    private static <T> byte[] bytes(TypeSerializer<T> s, T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(value, out);
        return out.getCopyOfBuffer();
    }

    private Claim back(Claim c) throws IOException {
        return serializer.deserialize(new DataInputDeserializer(bytes(serializer, c)));
    }

    @Test
    void aHeldClaimReadsBackWithItsHolderVersionAndTieBreak() throws Exception {
        Claim held = new Claim("u00000042", "u00000042-d1", 1_764_000_000_123L);
        Claim read = back(held);
        assertThat(read.userId).isEqualTo("u00000042");
        assertThat(read.deviceId).isEqualTo("u00000042-d1");
        assertThat(read.version).isEqualTo(1_764_000_000_123L);
        assertThat(read.released()).isFalse();
        // The tie-break is not stored for a held claim but decides the same way after a read.
        Claim rival = new Claim("u00000043", "u00000043-d1", held.version);
        assertThat(read.beats(rival)).isEqualTo(held.beats(rival));
        assertThat(rival.beats(read)).isEqualTo(rival.beats(held));
        assertThat(read.beats(rival)).isNotEqualTo(rival.beats(read));
        assertThat(serializer.copy(held))
                .usingRecursiveComparison()
                .isEqualTo(held)
                .isNotSameAs(held);
    }

    @Test
    void aReleasedClaimKeepsItsVersionAndTieBreakWithoutItsHolder() throws Exception {
        Claim held = new Claim("u1", "d1", -7);
        Claim released = held.forgotten();
        Claim read = back(released);
        assertThat(read.released()).isTrue();
        assertThat(read.version).isEqualTo(-7);
        assertThat(read.tie).isEqualTo(Claim.tieOf("u1", "d1"));
        Claim rival = new Claim("u2", "d2", -7);
        assertThat(read.beats(rival)).isEqualTo(released.beats(rival));
        assertThat(rival.beats(read)).isEqualTo(rival.beats(released));
    }

    @Test
    void aTypicalClaimTakesFewerBytesThanAsAPojo() throws Exception {
        Claim typical = new Claim("u00000042", "u00000042-d1", 1_764_000_000_123L);
        int pojo = bytes(TypeInformation.of(Claim.class).createSerializer(new SerializerConfigImpl()), typical).length;
        int compact = bytes(serializer, typical).length;
        // A tag, a six-byte version, and each id as a length and its characters.
        assertThat(compact).isEqualTo(1 + 6 + 1 + 9 + 1 + 12);
        assertThat(pojo - compact).isGreaterThanOrEqualTo(14); // 44 against 30 with Flink 2.2
    }

    @Test
    void anUnknownEncodingIsRefusedByName() throws Exception {
        byte[] written = bytes(serializer, new Claim("u", "d", 1));
        written[0] = 9;
        assertThatThrownBy(() -> serializer.deserialize(new DataInputDeserializer(written)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("encoding tag 9");
        assertThat(serializer.snapshotConfiguration().restoreSerializer()).isSameAs(serializer);
    }
}
