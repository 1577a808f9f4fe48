package io.herald.job.state;

import io.herald.model.AudienceRow;
import io.herald.model.CampaignEvent;
import io.herald.model.Interaction;
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
 * {@link DeviceEventSerializer}), an audience row (two ids), a transactional send, which is a
 * whole campaign and goes to Flink's own serializer for it, or an interaction. A tag byte says which.
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

    private static final int INTERACTION = 4;
    private static final Interaction.Type[] INTERACTION_TYPES = Interaction.Type.values();

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
        if (from.interaction != null) {
            Interaction i = from.interaction;
            Interaction c = new Interaction();
            c.type = i.type;
            c.userId = i.userId;
            c.appId = i.appId;
            c.campaignId = i.campaignId;
            c.notificationId = i.notificationId;
            c.action = i.action;
            c.name = i.name;
            c.value = i.value;
            c.at = i.at;
            c.eventId = i.eventId;
            u.interaction = c;
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
        } else if (u.interaction != null) {
            out.writeByte(INTERACTION);
            writeInteraction(u.interaction, out);
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
            case INTERACTION -> UserUpdate.of(readInteraction(in));
            default -> throw new IOException("unknown user update kind " + kind);
        };
    }

    /** An interaction: its type, its time, then its texts, each after a byte saying whether it is there. */
    private static void writeInteraction(Interaction i, DataOutputView out) throws IOException {
        out.writeByte(i.type.ordinal());
        out.writeLong(i.at);
        for (String s : new String[] {i.userId, i.appId, i.campaignId, i.notificationId, i.action, i.name, i.eventId}) {
            out.writeBoolean(s != null);
            if (s != null) {
                StringValue.writeString(s, out);
            }
        }
        out.writeBoolean(i.value != null);
        if (i.value != null) {
            out.writeDouble(i.value);
        }
    }

    private static Interaction readInteraction(DataInputView in) throws IOException {
        Interaction i = new Interaction();
        i.type = INTERACTION_TYPES[in.readUnsignedByte()];
        i.at = in.readLong();
        i.userId = optionalString(in);
        i.appId = optionalString(in);
        i.campaignId = optionalString(in);
        i.notificationId = optionalString(in);
        i.action = optionalString(in);
        i.name = optionalString(in);
        i.eventId = optionalString(in);
        i.value = in.readBoolean() ? in.readDouble() : null;
        return i;
    }

    private static String optionalString(DataInputView in) throws IOException {
        return in.readBoolean() ? StringValue.readString(in) : null;
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
