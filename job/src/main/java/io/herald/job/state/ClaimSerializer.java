package io.herald.job.state;

import io.herald.serde.CompactSerializer;
import io.herald.serde.CompactType;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Who holds a device id or a token, in RocksDB: two claims per device, so every byte counts twice.
 * The first byte says which encoding and whether the claim is held: a held claim stores its holder
 * and version, and its tie-break is worked out again from the holder when needed; a released claim
 * (its holder erased) stores the version and the tie-break it can no longer work out.
 *
 * <p>Flink's POJO serializer took 44 bytes for a typical claim (a flag per field, version and
 * tie-break as 8 bytes each); this takes 30. To change the encoding, add tags and keep reading the
 * old ones.
 */
public final class ClaimSerializer extends CompactSerializer<Claim> {
    private static final long serialVersionUID = 1L;
    public static final ClaimSerializer INSTANCE = new ClaimSerializer();
    /** Flink's type for the claim state, with this serializer. */
    public static final CompactType<Claim> TYPE = new CompactType<>(Claim.class, INSTANCE);

    /** Encoding 1, a claim with its holder. */
    static final int HELD = 1;
    /** Encoding 1, a claim whose holder was erased. */
    static final int RELEASED = 2;

    @Override
    public Claim createInstance() {
        return new Claim();
    }

    @Override
    public Claim copy(Claim from) {
        Claim c = new Claim();
        c.userId = from.userId;
        c.deviceId = from.deviceId;
        c.version = from.version;
        c.tie = from.tie;
        return c;
    }

    @Override
    public void serialize(Claim c, DataOutputView out) throws IOException {
        if (c.released()) {
            out.writeByte(RELEASED);
            writeVarLong(c.version, out);
            out.writeLong(c.tie);
        } else {
            out.writeByte(HELD);
            writeVarLong(c.version, out);
            writeString(c.userId, out);
            writeString(c.deviceId, out);
        }
    }

    @Override
    public Claim deserialize(DataInputView in) throws IOException {
        int tag = in.readUnsignedByte();
        Claim c = new Claim();
        switch (tag) {
            case HELD -> {
                c.version = readVarLong(in);
                c.userId = readString(in);
                c.deviceId = readString(in);
            }
            case RELEASED -> {
                c.version = readVarLong(in);
                c.tie = in.readLong();
            }
            default ->
                throw new IOException("claim state written in encoding tag " + tag + ", which this job does not know");
        }
        return c;
    }

    @Override
    public TypeSerializerSnapshot<Claim> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration: its snapshot only names it. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<Claim> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
