package io.herald.job.state;

import io.herald.model.AttributeValue;
import io.herald.model.DeviceRecord;
import io.herald.model.Exposure;
import io.herald.model.Interaction;
import io.herald.model.Platform;
import io.herald.model.PushKeys;
import io.herald.model.RunawayCount;
import io.herald.model.UserProfile;
import io.herald.model.UserState;
import io.herald.serde.BodySerializer;
import io.herald.serde.BytesReader;
import io.herald.serde.CompactType;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A user's state in RocksDB: a version byte, the length of the rest, then the profile and each
 * device, field by field, versions as variable-length numbers and strings as UTF-8. Read once per
 * user by every walk, so it is written by hand: no reflection, no field names, no per-field null
 * markers beyond what a field needs. The length lets a read take the value in one copy and decode it
 * from an array ({@link BytesReader}), where reading through Flink's input view cost a call per byte
 * (half of an estimate's reading in a profile).
 *
 * <p>The first byte is the encoding's version. To change the encoding, add a version and keep
 * reading the old ones: state written by an older job is read by a newer one.
 */
public final class UserStateSerializer extends BodySerializer<UserState> {
    private static final long serialVersionUID = 1L;
    public static final UserStateSerializer INSTANCE = new UserStateSerializer();
    /** Flink's type for the state, with this serializer. */
    public static final CompactType<UserState> TYPE = new CompactType<>(UserState.class, INSTANCE);

    /**
     * The encoding written now (the first byte of every value). Encodings 1 to 3 were never
     * released (2 read through Flink's per-byte input, with Flink's string format; 4 added the
     * campaign send times that frequency caps count); 5 adds the runaway guards' counts after the
     * devices, and a value in 4 is read as one with none; 6 adds the exposures to measured campaigns
     * and the report ids taken lately after those, and a value in 4 or 5 is read as one with none;
     * 7 adds the user's last open and last time of each app event (what segments read), and an older
     * value is read as one of a user who has done neither; 8 adds the opens kept for an exposure yet to
     * come (type, time, campaign), and an older value is read as one with none; 9 adds web push subscriptions (a token of its own kind: the
     * endpoint, its keys and browser), which no older value holds;
     * 10 adds each device's Live Activity tokens after its rejections (push-to-start by activity type,
     * then update tokens by activity id), and an older value is read as one of devices with none.
     */
    public static final int VERSION = 10;

    /** The oldest encoding this job reads. */
    private static final int OLDEST = 4;

    private static final Platform[] PLATFORMS = Platform.values();
    private static final Interaction.Type[] INTERACTION_TYPES = Interaction.Type.values();

    // Attribute value kinds, one byte each.
    private static final int TEXT = 0;
    private static final int NUMBER = 1;
    private static final int FLAG_TRUE = 2;
    private static final int FLAG_FALSE = 3;
    private static final int TIMESTAMP = 4;
    private static final int REMOVED = 5;
    private static final int EMPTY = 6;

    @Override
    public UserState createInstance() {
        return new UserState();
    }

    @Override
    protected String what() {
        return "user state";
    }

    @Override
    protected void writeHeader(DataOutputView out) throws IOException {
        out.writeByte(VERSION);
    }

    @Override
    protected int readHeader(DataInputView in) throws IOException {
        int version = in.readUnsignedByte();
        if (version < OLDEST || version > VERSION) {
            throw new IOException("user state written in encoding " + version + ", which this job does not know");
        }
        return version;
    }

    @Override
    protected void writeBody(UserState u, DataOutputView out) throws IOException {
        writeBody(u, out, VERSION);
    }

    /**
     * The body in {@code encoding}, 9 or this one: what a build of encoding 9 wrote of {@code u}, so
     * that tests of older encodings can make their values from it.
     */
    void writeBody(UserState u, DataOutputView out, int encoding) throws IOException {
        UserProfile p = u.profile;
        writeVarLong(p.erasedV, out);
        writeVarInt(p.attributes.size(), out);
        for (Map.Entry<String, AttributeValue> a : p.attributes.entrySet()) {
            writeUtf8(a.getKey(), out);
            writeAttribute(a.getValue(), out);
        }
        writeVarInt(p.audienceCampaigns.size(), out);
        for (String c : p.audienceCampaigns) {
            writeUtf8(c, out);
        }
        writeVarInt(p.campaignSends.size(), out);
        for (Map.Entry<String, long[]> app : p.campaignSends.entrySet()) {
            writeUtf8(app.getKey(), out);
            writeTimes(app.getValue(), out);
        }
        writeVarInt(u.devices.size(), out);
        for (DeviceRecord d : u.devices.values()) {
            writeDevice(d, out, encoding);
        }
        writeVarInt(p.runaway.size(), out);
        for (Map.Entry<String, RunawayCount> app : p.runaway.entrySet()) {
            writeUtf8(app.getKey(), out);
            writeTimes(app.getValue().sentAt, out);
            out.writeBoolean(app.getValue().alertedAt != RunawayCount.NEVER);
            if (app.getValue().alertedAt != RunawayCount.NEVER) {
                writeVarLong(app.getValue().alertedAt, out);
            }
        }
        writeVarInt(p.exposures.size(), out);
        for (Map.Entry<String, Exposure> e : p.exposures.entrySet()) {
            Exposure x = e.getValue();
            writeUtf8(e.getKey(), out);
            out.writeBoolean(x.arm != null);
            if (x.arm != null) {
                writeUtf8(x.arm, out);
            }
            out.writeByte((x.heldOut ? 1 : 0) | (x.opened ? 2 : 0) | (x.converted ? 4 : 0));
            writeVarLong(x.at, out);
            writeVarLong(x.until - x.at, out);
        }
        writeVarInt(p.recentEventIds.size(), out);
        for (String id : p.recentEventIds) {
            writeUtf8(id, out);
        }
        out.writeBoolean(p.lastOpenedAt != DeviceRecord.NEVER);
        if (p.lastOpenedAt != DeviceRecord.NEVER) {
            writeVarLong(p.lastOpenedAt, out);
        }
        writeVarInt(p.lastEvents.size(), out);
        for (Map.Entry<String, Long> e : p.lastEvents.entrySet()) {
            writeUtf8(e.getKey(), out);
            writeVarLong(e.getValue(), out);
        }
        writeVarInt(p.pending.size(), out);
        for (Interaction i : p.pending) {
            out.writeByte(i.type.ordinal());
            writeVarLong(i.at, out);
            writeUtf8(i.campaignId, out);
        }
    }

    /** Times oldest first: the first, then small differences. */
    private static void writeTimes(long[] times, DataOutputView out) throws IOException {
        writeVarInt(times.length, out);
        long previous = 0;
        for (long t : times) {
            writeVarLong(t - previous, out);
            previous = t;
        }
    }

    private static long[] readTimes(BytesReader in) throws IOException {
        long[] times = new long[in.readVarInt()];
        long previous = 0;
        for (int j = 0; j < times.length; j++) {
            previous += in.readVarLong();
            times[j] = previous;
        }
        return times;
    }

    @Override
    protected UserState readBody(BytesReader in, int encoding) throws IOException {
        UserState u = new UserState();
        UserProfile p = u.profile;
        p.erasedV = in.readVarLong();
        int attributes = in.readVarInt();
        p.attributes = new HashMap<>(Math.max(4, attributes * 2));
        for (int i = 0; i < attributes; i++) {
            String name = in.readUtf8();
            p.attributes.put(name, readAttribute(in));
        }
        int lists = in.readVarInt();
        for (int i = 0; i < lists; i++) {
            p.audienceCampaigns.add(in.readUtf8());
        }
        int apps = in.readVarInt();
        for (int i = 0; i < apps; i++) {
            String app = in.readUtf8();
            p.campaignSends.put(app, readTimes(in));
        }
        int devices = in.readVarInt();
        for (int i = 0; i < devices; i++) {
            DeviceRecord d = readDevice(in, encoding);
            u.devices.put(d.deviceId, d);
        }
        if (encoding >= 5) {
            int guarded = in.readVarInt();
            for (int i = 0; i < guarded; i++) {
                String app = in.readUtf8();
                long[] sentAt = readTimes(in);
                long alertedAt = in.readUnsignedByte() != 0 ? in.readVarLong() : RunawayCount.NEVER;
                p.runaway.put(app, new RunawayCount(sentAt, alertedAt));
            }
        }
        if (encoding >= 6) {
            int exposures = in.readVarInt();
            for (int i = 0; i < exposures; i++) {
                String campaignId = in.readUtf8();
                String arm = in.readUnsignedByte() != 0 ? in.readUtf8() : null;
                int flags = in.readUnsignedByte();
                long at = in.readVarLong();
                Exposure x = new Exposure(arm, (flags & 1) != 0, at, at + in.readVarLong());
                x.opened = (flags & 2) != 0;
                x.converted = (flags & 4) != 0;
                p.exposures.put(campaignId, x);
            }
            int ids = in.readVarInt();
            for (int i = 0; i < ids; i++) {
                p.recentEventIds.add(in.readUtf8());
            }
        }
        if (encoding >= 7) {
            p.lastOpenedAt = in.readUnsignedByte() != 0 ? in.readVarLong() : DeviceRecord.NEVER;
            int events = in.readVarInt();
            for (int i = 0; i < events; i++) {
                String name = in.readUtf8();
                p.lastEvents.put(name, in.readVarLong());
            }
        }
        if (encoding >= 8) {
            int pending = in.readVarInt();
            for (int i = 0; i < pending; i++) {
                Interaction open = new Interaction();
                open.type = INTERACTION_TYPES[in.readUnsignedByte()];
                open.at = in.readVarLong();
                open.campaignId = in.readUtf8();
                p.pending.add(open);
            }
        }
        return u;
    }

    /** An attribute value: its kind, its value, its version (device events carry them too). */
    static void writeAttribute(AttributeValue v, DataOutputView out) throws IOException {
        if (v.removed) {
            out.writeByte(REMOVED);
        } else if (v.number != null) {
            out.writeByte(NUMBER);
            out.writeDouble(v.number);
        } else if (v.flag != null) {
            out.writeByte(v.flag ? FLAG_TRUE : FLAG_FALSE);
        } else if (v.timestamp != null) {
            out.writeByte(TIMESTAMP);
            writeVarLong(v.timestamp, out);
        } else if (v.text != null) {
            out.writeByte(TEXT);
            writeUtf8(v.text, out);
        } else {
            out.writeByte(EMPTY);
        }
        writeVarLong(v.version, out);
    }

    static AttributeValue readAttribute(BytesReader in) throws IOException {
        AttributeValue v = new AttributeValue();
        int kind = in.readUnsignedByte();
        switch (kind) {
            case REMOVED -> v.removed = true;
            case NUMBER -> v.number = in.readDouble();
            case FLAG_TRUE -> v.flag = Boolean.TRUE;
            case FLAG_FALSE -> v.flag = Boolean.FALSE;
            case TIMESTAMP -> v.timestamp = in.readVarLong();
            case TEXT -> v.text = in.readUtf8();
            case EMPTY -> {}
            default -> throw new IOException("unknown attribute kind " + kind);
        }
        v.version = in.readVarLong();
        return v;
    }

    /*
     * A device: its id, then the version of its registration (the base), then a mask of which other
     * versions and times are "never", then those that are not, each as its difference from the
     * base (they are mostly equal: one byte each), then the values. A push token in lowercase hex
     * (APNs) is written as its bytes, half its length.
     */
    private static final int TOKEN_NONE = 0;
    private static final int TOKEN_TEXT = 1;
    private static final int TOKEN_HEX = 2;
    /** A web push subscription: endpoint, p256dh, auth, browser (encoding 9 on). */
    private static final int TOKEN_WEB = 3;

    private static long[] versions(DeviceRecord d) {
        return new long[] {
            d.writtenAt,
            d.appIdV,
            d.platformV,
            d.tokenV,
            d.localeV,
            d.timezoneV,
            d.appVersionV,
            d.optInV,
            d.lastSeen,
            d.lastSeenV,
            d.uninstalledV,
            d.tagsClearedV
        };
    }

    private static void writeDevice(DeviceRecord d, DataOutputView out, int encoding) throws IOException {
        writeUtf8(d.deviceId, out);
        writeVarLong(d.registeredV, out);
        long base = d.registeredV == DeviceRecord.NEVER ? 0 : d.registeredV;
        long[] v = versions(d);
        int never = 0;
        for (int i = 0; i < v.length; i++) {
            if (v[i] == DeviceRecord.NEVER) {
                never |= 1 << i;
            }
        }
        out.writeShort(never);
        for (long x : v) {
            if (x != DeviceRecord.NEVER) {
                writeVarLong(x - base, out);
            }
        }
        writeUtf8(d.appId, out);
        out.writeByte(d.platform == null ? -1 : d.platform.ordinal());
        writeToken(d, out);
        writeUtf8(d.locale, out);
        writeUtf8(d.timezone, out);
        writeUtf8(d.appVersion, out);
        out.writeByte(d.optIn == null ? -1 : d.optIn ? 1 : 0);
        writeVarInt(d.tags.size(), out);
        for (Map.Entry<String, DeviceRecord.TagVersions> t : d.tags.entrySet()) {
            writeUtf8(t.getKey(), out);
            writeVarLong(t.getValue().addV, out);
            writeVarLong(t.getValue().removeV, out);
        }
        writeVarInt(d.rejections.size(), out);
        for (Map.Entry<String, Long> r : d.rejections.entrySet()) {
            writeUtf8(r.getKey(), out);
            writeVarLong(r.getValue(), out);
        }
        if (encoding >= 10) {
            writeLiveActivityTokens(d.pushToStart, out);
            writeLiveActivityTokens(d.activityTokens, out);
        }
    }

    /** Each register: its key, its token (as a device's token is kept), the token's version and the end's. */
    private static void writeLiveActivityTokens(Map<String, DeviceRecord.LiveActivityToken> tokens, DataOutputView out)
            throws IOException {
        writeVarInt(tokens.size(), out);
        for (Map.Entry<String, DeviceRecord.LiveActivityToken> t : tokens.entrySet()) {
            writeUtf8(t.getKey(), out);
            writePlainToken(t.getValue().token, out);
            writeVarLong(t.getValue().v, out);
            writeVarLong(t.getValue().endedV, out);
        }
    }

    private static void readLiveActivityTokens(Map<String, DeviceRecord.LiveActivityToken> tokens, BytesReader in)
            throws IOException {
        int n = in.readVarInt();
        for (int i = 0; i < n; i++) {
            String key = in.readUtf8();
            DeviceRecord.LiveActivityToken t = new DeviceRecord.LiveActivityToken();
            t.token = readPlainToken(in.readUnsignedByte(), in);
            t.v = in.readVarLong();
            t.endedV = in.readVarLong();
            tokens.put(key, t);
        }
    }

    private static DeviceRecord readDevice(BytesReader in, int encoding) throws IOException {
        DeviceRecord d = new DeviceRecord();
        d.deviceId = in.readUtf8();
        d.registeredV = in.readVarLong();
        long base = d.registeredV == DeviceRecord.NEVER ? 0 : d.registeredV;
        int never = in.readUnsignedShort();
        long[] v = new long[12];
        for (int i = 0; i < v.length; i++) {
            v[i] = (never & (1 << i)) != 0 ? DeviceRecord.NEVER : base + in.readVarLong();
        }
        d.writtenAt = v[0];
        d.appIdV = v[1];
        d.platformV = v[2];
        d.tokenV = v[3];
        d.localeV = v[4];
        d.timezoneV = v[5];
        d.appVersionV = v[6];
        d.optInV = v[7];
        d.lastSeen = v[8];
        d.lastSeenV = v[9];
        d.uninstalledV = v[10];
        d.tagsClearedV = v[11];
        d.appId = in.readUtf8();
        int platform = in.readByte();
        d.platform = platform < 0 ? null : PLATFORMS[platform];
        readToken(d, in);
        d.locale = in.readUtf8();
        d.timezone = in.readUtf8();
        d.appVersion = in.readUtf8();
        int optIn = in.readByte();
        d.optIn = optIn < 0 ? null : optIn == 1;
        int tags = in.readVarInt();
        if (tags > 0) {
            d.tags = new HashMap<>(tags * 2);
        }
        for (int i = 0; i < tags; i++) {
            String name = in.readUtf8();
            DeviceRecord.TagVersions t = new DeviceRecord.TagVersions();
            t.addV = in.readVarLong();
            t.removeV = in.readVarLong();
            d.tags.put(name, t);
        }
        int rejections = in.readVarInt();
        for (int i = 0; i < rejections; i++) {
            String token = in.readUtf8();
            d.rejections.put(token, in.readVarLong());
        }
        if (encoding >= 10) {
            readLiveActivityTokens(d.pushToStart, in);
            readLiveActivityTokens(d.activityTokens, in);
        }
        return d;
    }

    private static void writeToken(DeviceRecord d, DataOutputView out) throws IOException {
        if (d.token != null && (d.pushKeys != null || d.browser != null)) {
            out.writeByte(TOKEN_WEB);
            writeUtf8(d.token, out);
            writeUtf8(d.pushKeys == null ? null : d.pushKeys.p256dh, out);
            writeUtf8(d.pushKeys == null ? null : d.pushKeys.auth, out);
            writeUtf8(d.browser, out);
        } else {
            writePlainToken(d.token, out);
        }
    }

    /** A token without keys (a phone's, a Live Activity's, or none): lowercase hex as its bytes. */
    private static void writePlainToken(String token, DataOutputView out) throws IOException {
        if (token == null) {
            out.writeByte(TOKEN_NONE);
        } else if (isLowerHex(token)) {
            out.writeByte(TOKEN_HEX);
            writeVarInt(token.length() / 2, out);
            for (int i = 0; i < token.length(); i += 2) {
                out.writeByte(Character.digit(token.charAt(i), 16) << 4 | Character.digit(token.charAt(i + 1), 16));
            }
        } else {
            out.writeByte(TOKEN_TEXT);
            writeUtf8(token, out);
        }
    }

    private static void readToken(DeviceRecord d, BytesReader in) throws IOException {
        int kind = in.readUnsignedByte();
        if (kind == TOKEN_WEB) {
            d.token = in.readUtf8();
            String p256dh = in.readUtf8();
            String auth = in.readUtf8();
            d.pushKeys = p256dh == null && auth == null ? null : PushKeys.of(p256dh, auth);
            d.browser = in.readUtf8();
        } else {
            d.token = readPlainToken(kind, in);
        }
    }

    private static String readPlainToken(int kind, BytesReader in) throws IOException {
        return switch (kind) {
            case TOKEN_NONE -> null;
            case TOKEN_TEXT -> in.readUtf8();
            case TOKEN_HEX -> in.readHex(in.readVarInt());
            default -> throw new IOException("unknown token kind " + kind);
        };
    }

    private static boolean isLowerHex(String s) {
        if (s.isEmpty() || (s.length() & 1) != 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    @Override
    public TypeSerializerSnapshot<UserState> snapshotConfiguration() {
        return new Snapshot();
    }

    /** The serializer has no configuration; the encoding's version is in every value. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<UserState> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
