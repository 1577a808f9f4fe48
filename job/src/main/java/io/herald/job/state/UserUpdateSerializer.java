package io.herald.job.state;

import io.herald.model.AudienceRow;
import io.herald.model.CampaignEvent;
import io.herald.model.UserUpdate;
import io.herald.serde.CompactType;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * What reaches a user's state, on its way to the fan-out: a device event (nearly all of them,
 * {@link DeviceEventSerializer}), an audience row (two ids), or a transactional send, which is a
 * whole campaign and goes to Flink's own serializer for it. A tag byte says which.
 *
 * <p>Not a singleton: the send's serializer is Flink's, made with the job's configuration, and may
 * keep state between calls, so each copy of this serializer has its own ({@link #duplicate}).
 */
public final class UserUpdateSerializer extends TypeSerializer<UserUpdate> {
    private static final long serialVersionUID = 1L;

    /** Flink's type for user updates, with this serializer. */
    public static final CompactType<UserUpdate> TYPE = new CompactType<>(
            UserUpdate.class,
            config -> new UserUpdateSerializer(
                    TypeInformation.of(CampaignEvent.class).createSerializer(config)));

    private static final int DEVICE = 0;
    private static final int AUDIENCE = 1;
    private static final int SEND = 2;
    /** An update with nothing in it: Flink's fresh instance ({@link #createInstance}). */
    private static final int NOTHING = 3;

    private final TypeSerializer<CampaignEvent> sends;

    public UserUpdateSerializer(TypeSerializer<CampaignEvent> sends) {
        this.sends = sends;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<UserUpdate> duplicate() {
        TypeSerializer<CampaignEvent> copy = sends.duplicate();
        return copy == sends ? this : new UserUpdateSerializer(copy);
    }

    @Override
    public UserUpdate createInstance() {
        return new UserUpdate();
    }

    @Override
    public UserUpdate copy(UserUpdate from) {
        UserUpdate u = new UserUpdate();
        if (from.device != null) {
            u.device = DeviceEventSerializer.INSTANCE.copy(from.device);
        }
        if (from.audience != null) {
            u.audience = new AudienceRow(from.audience.campaignId, from.audience.userId);
        }
        if (from.send != null) {
            u.send = sends.copy(from.send);
        }
        return u;
    }

    @Override
    public UserUpdate copy(UserUpdate from, UserUpdate reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(UserUpdate u, DataOutputView out) throws IOException {
        if (u.device != null) {
            out.writeByte(DEVICE);
            DeviceEventSerializer.INSTANCE.serialize(u.device, out);
        } else if (u.audience != null) {
            out.writeByte(AUDIENCE);
            StringValue.writeString(u.audience.campaignId, out);
            StringValue.writeString(u.audience.userId, out);
        } else if (u.send != null) {
            out.writeByte(SEND);
            sends.serialize(u.send, out);
        } else {
            out.writeByte(NOTHING);
        }
    }

    @Override
    public UserUpdate deserialize(DataInputView in) throws IOException {
        int kind = in.readUnsignedByte();
        return switch (kind) {
            case DEVICE -> UserUpdate.of(DeviceEventSerializer.INSTANCE.deserialize(in));
            case AUDIENCE -> UserUpdate.of(new AudienceRow(StringValue.readString(in), StringValue.readString(in)));
            case SEND -> UserUpdate.of(sends.deserialize(in));
            case NOTHING -> new UserUpdate();
            default -> throw new IOException("unknown user update kind " + kind);
        };
    }

    @Override
    public UserUpdate deserialize(UserUpdate reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserUpdateSerializer && ((UserUpdateSerializer) o).sends.equals(sends);
    }

    @Override
    public int hashCode() {
        return sends.hashCode();
    }

    @Override
    public TypeSerializerSnapshot<UserUpdate> snapshotConfiguration() {
        return new Snapshot(this);
    }

    /** The send's serializer is the one nested configuration. */
    public static final class Snapshot extends CompositeTypeSerializerSnapshot<UserUpdate, UserUpdateSerializer> {
        public Snapshot() {}

        Snapshot(UserUpdateSerializer serializer) {
            super(serializer);
        }

        @Override
        protected int getCurrentOuterSnapshotVersion() {
            return 1;
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(UserUpdateSerializer outer) {
            return new TypeSerializer<?>[] {outer.sends};
        }

        @SuppressWarnings("unchecked")
        @Override
        protected UserUpdateSerializer createOuterSerializerWithNestedSerializers(TypeSerializer<?>[] nested) {
            return new UserUpdateSerializer((TypeSerializer<CampaignEvent>) nested[0]);
        }
    }
}
