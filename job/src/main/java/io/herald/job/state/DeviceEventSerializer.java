package io.herald.job.state;

import io.herald.model.AttributeValue;
import io.herald.model.DeviceEvent;
import io.herald.model.Platform;
import io.herald.model.PushKeys;
import io.herald.serde.BodySerializer;
import io.herald.serde.BytesReader;
import io.herald.serde.CompactType;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A device event between the job's stages: every event crosses up to three shuffles (to the owner
 * of its device id, of its token, and to its user), and Flink's POJO serializer, which sets each
 * field by reflection and builds each string through Flink's per-character format, took 43% of
 * those stages' time in a profile of device events applied. The length of the rest, then each field
 * in order, strings as UTF-8 (as UTF-16 if one holds half a character, so that a key computed again
 * after the shuffle is the same key: claims kept by earlier builds may hold such ids), numbers as
 * variable-length numbers; a collection is its size plus one, 0 for none, so that an empty one and a
 * missing one stay apart.
 *
 * <p>Never kept in state (the job keeps users, {@link UserStateSerializer}, and claims), so the
 * encoding may change with the job: both ends of a shuffle run the same build.
 */
public final class DeviceEventSerializer extends BodySerializer<DeviceEvent> {
    private static final long serialVersionUID = 1L;
    public static final DeviceEventSerializer INSTANCE = new DeviceEventSerializer();
    /** Flink's type for device events, with this serializer. */
    public static final CompactType<DeviceEvent> TYPE = new CompactType<>(DeviceEvent.class, INSTANCE);

    private static final DeviceEvent.Type[] TYPES = DeviceEvent.Type.values();
    private static final Platform[] PLATFORMS = Platform.values();

    @Override
    public DeviceEvent createInstance() {
        return new DeviceEvent();
    }

    @Override
    protected String what() {
        return "device event";
    }

    @Override
    protected void writeBody(DeviceEvent e, DataOutputView out) throws IOException {
        out.writeByte(e.type == null ? -1 : e.type.ordinal());
        writeText(e.userId, out);
        writeText(e.deviceId, out);
        writeText(e.appId, out);
        out.writeByte(e.platform == null ? -1 : e.platform.ordinal());
        writeText(e.token, out);
        writeText(e.locale, out);
        writeText(e.timezone, out);
        writeText(e.appVersion, out);
        out.writeByte(e.optIn == null ? -1 : e.optIn ? 1 : 0);
        out.writeBoolean(e.lastSeen != null);
        if (e.lastSeen != null) {
            writeVarLong(e.lastSeen, out);
        }
        writeVarInt(e.attributes == null ? 0 : e.attributes.size() + 1, out);
        if (e.attributes != null) {
            for (Map.Entry<String, AttributeValue> a : e.attributes.entrySet()) {
                writeText(a.getKey(), out);
                UserStateSerializer.writeAttribute(a.getValue(), out);
            }
        }
        writeList(e.unset, out);
        writeList(e.tags, out);
        writeText(e.reason, out);
        writeVarLong(e.version, out);
        // Appended (a web subscription's keys and browser), so that an element written by an older
        // build, as an unaligned checkpoint may keep one, is read as one without them.
        out.writeBoolean(e.pushKeys != null);
        if (e.pushKeys != null) {
            writeText(e.pushKeys.p256dh, out);
            writeText(e.pushKeys.auth, out);
        }
        writeText(e.browser, out);
        // Appended after those for the same reason (Live Activity events).
        writeText(e.activityType, out);
        writeText(e.activityId, out);
    }

    @Override
    protected DeviceEvent readBody(BytesReader in, int encoding) throws IOException {
        DeviceEvent e = new DeviceEvent();
        e.type = type(in.readByte());
        e.userId = in.readText();
        e.deviceId = in.readText();
        e.appId = in.readText();
        e.platform = platform(in.readByte());
        e.token = in.readText();
        e.locale = in.readText();
        e.timezone = in.readText();
        e.appVersion = in.readText();
        int optIn = in.readByte();
        e.optIn = optIn < 0 ? null : optIn == 1;
        if (in.readUnsignedByte() != 0) {
            e.lastSeen = in.readVarLong();
        }
        int attributes = in.readVarInt() - 1;
        if (attributes >= 0) {
            e.attributes = new HashMap<>(Math.max(4, attributes * 2));
            for (int i = 0; i < attributes; i++) {
                String name = in.readText();
                e.attributes.put(name, UserStateSerializer.readAttribute(in));
            }
        }
        e.unset = readList(in);
        e.tags = readList(in);
        e.reason = in.readText();
        e.version = in.readVarLong();
        if (!in.atEnd()) {
            if (in.readUnsignedByte() != 0) {
                e.pushKeys = PushKeys.of(in.readText(), in.readText());
            }
            e.browser = in.readText();
        }
        if (!in.atEnd()) {
            e.activityType = in.readText();
            e.activityId = in.readText();
        }
        return e;
    }

    private static DeviceEvent.Type type(int ordinal) throws IOException {
        if (ordinal >= TYPES.length) {
            throw new IOException("unknown device event type " + ordinal);
        }
        return ordinal < 0 ? null : TYPES[ordinal];
    }

    private static Platform platform(int ordinal) throws IOException {
        if (ordinal >= PLATFORMS.length) {
            throw new IOException("unknown platform " + ordinal);
        }
        return ordinal < 0 ? null : PLATFORMS[ordinal];
    }

    private static void writeList(List<String> list, DataOutputView out) throws IOException {
        writeVarInt(list == null ? 0 : list.size() + 1, out);
        if (list != null) {
            for (String s : list) {
                writeText(s, out);
            }
        }
    }

    private static List<String> readList(BytesReader in) throws IOException {
        int n = in.readVarInt() - 1;
        if (n < 0) {
            return null;
        }
        List<String> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(in.readText());
        }
        return list;
    }

    @Override
    public TypeSerializerSnapshot<DeviceEvent> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<DeviceEvent> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
