package io.herald.job.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.model.AttributeValue;
import io.herald.model.DeviceRecord;
import io.herald.model.Exposure;
import io.herald.model.Interaction;
import io.herald.model.Platform;
import io.herald.model.PushKeys;
import io.herald.model.RunawayCount;
import io.herald.model.UserDevices;
import io.herald.model.UserState;
import io.herald.serde.BytesReader;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class UserStateSerializerTest {
    private final UserStateSerializer serializer = UserStateSerializer.INSTANCE;

    private static UserState fullUser() {
        UserState u = new UserState();
        u.profile.erasedV = 17;
        u.profile.attributes.put("name", AttributeValue.of("Zoë", 5));
        u.profile.attributes.put("streak", AttributeValue.of(12.5, 6));
        u.profile.attributes.put("premium", AttributeValue.of(true, 7));
        u.profile.attributes.put("trial", AttributeValue.of(false, 8));
        u.profile.attributes.put("joined", AttributeValue.timestamp(1_700_000_000_000L, 9));
        u.profile.attributes.put("old", AttributeValue.tombstone(10));
        u.profile.audienceCampaigns.add("spring-sale");
        u.profile.campaignSends.put("news", new long[] {1_764_000_000_000L, 1_764_000_360_000L});
        u.profile.runaway.put(
                "news", new RunawayCount(new long[] {1_764_000_000_000L, 1_764_000_001_000L}, 1_764_000_002_000L));
        u.profile.runaway.put("shop", new RunawayCount(new long[] {1_764_000_000_000L}, RunawayCount.NEVER));
        Exposure sent = new Exposure("bold", false, 1_764_000_000_000L, 1_764_604_800_000L);
        sent.opened = true;
        sent.converted = true;
        u.profile.exposures.put("spring-sale", sent);
        u.profile.exposures.put("no-arms", new Exposure(null, true, 1_764_000_000_000L, 1_764_000_060_000L));
        u.profile.recentEventIds.add("e-1");
        u.profile.recentEventIds.add("é-2");
        u.profile.lastOpenedAt = 1_764_000_100_000L;
        u.profile.lastEvents.put("purchase", 1_764_000_200_000L);
        u.profile.lastEvents.put("signup", 1_700_000_000_000L);
        Interaction open = new Interaction();
        open.type = Interaction.Type.ACTION;
        open.at = 1_764_000_300_000L;
        open.campaignId = "later";
        u.profile.pending.add(open);
        DeviceRecord ios = new DeviceRecord();
        ios.deviceId = "d1";
        ios.appId = "news";
        ios.appIdV = 1_764_000_000_000L;
        ios.platform = Platform.IOS;
        ios.platformV = 3;
        ios.token = "a".repeat(64);
        ios.tokenV = 4;
        ios.locale = "pt-BR";
        ios.localeV = 4;
        ios.timezone = "America/Sao_Paulo";
        ios.timezoneV = 4;
        ios.appVersion = "7.1";
        ios.appVersionV = 4;
        ios.optIn = Boolean.TRUE;
        ios.optInV = 4;
        ios.lastSeen = 1_764_000_000_123L;
        ios.lastSeenV = 4;
        ios.registeredV = 2;
        ios.uninstalledV = -5;
        DeviceRecord.TagVersions tag = new DeviceRecord.TagVersions();
        tag.addV = 3;
        tag.removeV = DeviceRecord.NEVER;
        ios.tags.put("sports", tag);
        ios.tagsClearedV = 1;
        ios.rejections.put("old-token", 2L);
        ios.writtenAt = 1_764_000_000_000L;
        ios.pushToStart.put("MatchAttributes", DeviceRecord.LiveActivityToken.of("80" + "a1".repeat(39), 5));
        ios.activityTokens.put("match-42", DeviceRecord.LiveActivityToken.of("NotHex-Token", Long.MAX_VALUE));
        ios.activityTokens.put("match-7", DeviceRecord.LiveActivityToken.ended(6));
        u.devices.put(ios.deviceId, ios);
        DeviceRecord bare = new DeviceRecord(); // every field empty, every version "never"
        bare.deviceId = "d2";
        bare.optIn = Boolean.FALSE;
        u.devices.put(bare.deviceId, bare);
        DeviceRecord fcm = new DeviceRecord(); // a token that is not lowercase hex, extreme versions
        fcm.deviceId = "d3";
        fcm.token = "ABCDEF0123";
        fcm.tokenV = Long.MAX_VALUE;
        fcm.registeredV = Long.MIN_VALUE + 1;
        fcm.platform = Platform.ANDROID;
        fcm.rejections.put("abc", -1L);
        u.devices.put(fcm.deviceId, fcm);
        DeviceRecord web = new DeviceRecord(); // a browser: its subscription's endpoint, keys and browser
        web.deviceId = "w1";
        web.platform = Platform.WEB;
        web.token = "https://push.example.net/wpush/v2/gAAAAAB";
        web.tokenV = 4;
        web.pushKeys = PushKeys.of("BCVxsr7N_eNgVRqvHtD0zTZsEc6", "BTBZMqHH6r4Tts7J_aSIgg");
        web.browser = "firefox";
        web.registeredV = 2;
        u.devices.put(web.deviceId, web);
        return u;
    }

    /** {@code u} without Live Activity tokens, which encodings before 10 do not hold. */
    private static UserState withoutLiveActivities(UserState u) {
        u.devices.values().forEach(d -> {
            d.pushToStart.clear();
            d.activityTokens.clear();
        });
        return u;
    }

    /** A whole value in encoding 9, as its build wrote it: the version, the body's length, the body. */
    private byte[] bytesInEncoding9(UserState u) throws IOException {
        DataOutputSerializer body = new DataOutputSerializer(256);
        serializer.writeBody(u, body, 9);
        DataOutputSerializer whole = new DataOutputSerializer(256);
        whole.writeByte(9);
        // The length as CompactSerializer writes a number: zigzag plus one, seven bits a byte.
        long n = 2L * body.length() + 1;
        while ((n & ~0x7FL) != 0) {
            whole.writeByte((int) ((n & 0x7F) | 0x80));
            n >>>= 7;
        }
        whole.writeByte((int) n);
        whole.write(body.getCopyOfBuffer());
        return whole.getCopyOfBuffer();
    }

    private byte[] bytes(UserState u) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(u, out);
        return out.getCopyOfBuffer();
    }

    @Test
    void aUserReadsBackAsWritten_everyFieldEveryKind() throws Exception {
        UserState u = fullUser();
        byte[] written = bytes(u);
        UserState back = serializer.deserialize(new DataInputDeserializer(written));
        assertThat(back).usingRecursiveComparison().isEqualTo(u);
        assertThat(serializer.copy(u)).usingRecursiveComparison().isEqualTo(u).isNotSameAs(u);
        DataOutputSerializer copied = new DataOutputSerializer(64);
        serializer.copy(new DataInputDeserializer(written), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(written);
        assertThat(serializer.deserialize(new DataInputDeserializer(bytes(new UserState()))))
                .usingRecursiveComparison()
                .isEqualTo(new UserState());
        // An APNs token (lowercase hex) is kept as its bytes: 32 and a one-byte length for 64
        // characters, where the same length as text takes 64 and a two-byte length.
        UserState upper = fullUser();
        upper.devices.get("d1").token = "A".repeat(64);
        assertThat(bytes(upper).length - written.length).isEqualTo(33);
        // Versions equal to the registration's take a byte each, "never" a bit.
        UserState apart = fullUser();
        apart.devices.get("d1").localeV = 1_700_000_000_000L;
        assertThat(bytes(apart).length - written.length).isGreaterThanOrEqualTo(4);
    }

    @Test
    void theFirstByteIsTheEncodingsVersion_andAnUnknownOneIsRefusedByName() throws Exception {
        byte[] written = bytes(fullUser());
        assertThat(written[0]).isEqualTo((byte) UserStateSerializer.VERSION);
        written[0] = 11;
        assertThatThrownBy(() -> serializer.deserialize(new DataInputDeserializer(written)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("encoding 11");
        assertThat(serializer.snapshotConfiguration().restoreSerializer()).isSameAs(serializer);
    }

    /** {@link #fullUser()} without Live Activity tokens, as the build of encoding 9 (e8910ac) wrote it. */
    private static final String ENCODING_9_IMAGE =
            "Cb0IIw0RcHJlbWl1bQIPD2pvaW5lZASBoKv++WITCW9sZAUVC25hbWUAC1pvw6sLD3N0cmVhawFAKQAAAAAAAA0NdHJpYWwDEQMZc3ByaW5nLXNhbGUDC25ld3MFgaC/6dZmgfkrCQdkMQUAAP2fv+nWZv2fv+nWZgMFBQUFBfOhv+nWZgUOAgtuZXdzAAJBqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqoNcHQtQlIlQW1lcmljYS9TYW9fUGF1bG8JNy4xAQMPc3BvcnRzBwADFW9sZC10b2tlbgUHZDIAD/8B/wABAQEAAQEHZDP+//////////8BD/cEAQEBF0FCQ0RFRjAxMjMBAQH/AQMJYWJjAgd3MQUP9wUBAgNVaHR0cHM6Ly9wdXNoLmV4YW1wbGUubmV0L3dwdXNoL3YyL2dBQUFBQUI5QkNWeHNyN05fZU5nVlJxdkh0RDB6VFpzRWM2L0JUQlpNcUhINnI0VHRzN0pfYVNJZ2cRZmlyZWZveAEBAf8BAQULbmV3cwWBoL/p1mbRDwGhv7/p1mYLc2hvcAOBoL/p1mYABRlzcHJpbmctc2FsZQELYm9sZAaBoL/p1maBkOTABBFuby1hcm1zAAGBoL/p1mbBqQcFCWUtMQvDqS0yAcG6y+nWZgUTcHVyY2hhc2WB1dfp1mYPc2lnbnVwgaCr/vliAwHB7+Pp1mYNbGF0ZXI=";

    @Test
    void aValueInEncoding9_writtenBeforeLiveActivities_readsAsOneWithoutTheirTokens() throws Exception {
        byte[] image = Base64.getDecoder().decode(ENCODING_9_IMAGE);
        assertThat(image[0]).isEqualTo((byte) 9);
        UserState u = withoutLiveActivities(fullUser());
        UserState back = serializer.deserialize(new DataInputDeserializer(image));
        assertThat(back).usingRecursiveComparison().isEqualTo(u);
        assertThat(bytesInEncoding9(u))
                .as("what the older encodings' tests start from is what that build wrote")
                .isEqualTo(image);
        // And a device's tokens take their bytes in encoding 10: the same user now writes more.
        assertThat(bytes(fullUser()).length).isGreaterThan(image.length + 40);
    }

    @Test
    void aValueInEncoding8_writtenBeforeWebPush_readsAsItWas() throws Exception {
        // Encoding 9 only adds a kind of token: a value of a user without browsers is the same bytes.
        UserState u = withoutLiveActivities(fullUser());
        u.devices.remove("w1");
        DataOutputSerializer body = new DataOutputSerializer(256);
        serializer.writeBody(u, body, 9);
        UserState back = serializer.readBody(new BytesReader(body.getCopyOfBuffer()), 8);
        assertThat(back).usingRecursiveComparison().isEqualTo(u);
        assertThat(back.devices.get("d1").pushKeys).isNull();
    }

    @Test
    void aValueInEncoding7_writtenBeforeKeptOpens_readsAsOneWithNone() throws Exception {
        UserState u = withoutLiveActivities(fullUser());
        u.profile.pending.clear();
        DataOutputSerializer body = new DataOutputSerializer(256);
        serializer.writeBody(u, body, 9);
        // Encoding 7 is 8 without the kept opens: here their size, 0.
        byte[] v7 = Arrays.copyOf(body.getCopyOfBuffer(), body.length() - 1);
        UserState back = serializer.readBody(new BytesReader(v7), 7);
        assertThat(back).usingRecursiveComparison().isEqualTo(u);
        assertThat(back.profile.lastEvents).isNotEmpty();
        assertThatThrownBy(() -> serializer.readBody(new BytesReader(v7), 8)).isInstanceOf(IOException.class);
    }

    @Test
    void aValueInEncoding6_writtenBeforeActivity_readsAsOneOfAUserWhoDidNothing() throws Exception {
        UserState u = withoutLiveActivities(fullUser());
        u.profile.lastOpenedAt = DeviceRecord.NEVER;
        u.profile.lastEvents.clear();
        u.profile.pending.clear();
        DataOutputSerializer body = new DataOutputSerializer(256);
        serializer.writeBody(u, body, 9);
        // Encoding 6 is 8 without the last open, the events' times and the kept opens: 0, 0 and 0.
        byte[] v6 = Arrays.copyOf(body.getCopyOfBuffer(), body.length() - 3);
        UserState back = serializer.readBody(new BytesReader(v6), 6);
        assertThat(back).usingRecursiveComparison().isEqualTo(u);
        assertThat(back.profile.exposures).isNotEmpty();
        assertThat(back.profile.lastOpenedAt).isEqualTo(DeviceRecord.NEVER);
        assertThatThrownBy(() -> serializer.readBody(new BytesReader(v6), 8))
                .as("read as 8, the same bytes run out")
                .isInstanceOf(IOException.class);
    }

    @Test
    void aValueInEncoding5_writtenBeforeExperiments_readsAsOneWithNoExposures() throws Exception {
        UserState u = withoutLiveActivities(fullUser());
        u.profile.exposures.clear();
        u.profile.recentEventIds.clear();
        u.profile.lastOpenedAt = DeviceRecord.NEVER;
        u.profile.lastEvents.clear();
        u.profile.pending.clear();
        DataOutputSerializer body = new DataOutputSerializer(256);
        serializer.writeBody(u, body, 9);
        // Encoding 5 is 8 without the exposures, report ids, last open, events and kept opens: 5 bytes, all 0.
        byte[] v5 = Arrays.copyOf(body.getCopyOfBuffer(), body.length() - 5);
        UserState back = serializer.readBody(new BytesReader(v5), 5);
        assertThat(back).usingRecursiveComparison().isEqualTo(u);
        assertThat(back.profile.runaway).isNotEmpty();
        assertThat(back.profile.exposures).isEmpty();
        assertThatThrownBy(() -> serializer.readBody(new BytesReader(v5), 8))
                .as("read as 8, the same bytes run out")
                .isInstanceOf(IOException.class);
        byte[] whole = bytesInEncoding9(u);
        whole[0] = 5;
        assertThatThrownBy(() -> serializer.deserialize(new DataInputDeserializer(whole)))
                .as("an 8 body under a 5 header has bytes too many")
                .hasMessageContaining("bytes after its last field");
    }

    @Test
    void aValueInEncoding4_writtenBeforeRunawayGuards_readsAsOneWithNoCounts() throws Exception {
        UserState u = withoutLiveActivities(fullUser());
        u.profile.runaway.clear();
        u.profile.exposures.clear();
        u.profile.recentEventIds.clear();
        u.profile.lastOpenedAt = DeviceRecord.NEVER;
        u.profile.lastEvents.clear();
        u.profile.pending.clear();
        DataOutputSerializer body = new DataOutputSerializer(256);
        serializer.writeBody(u, body, 9);
        // Encodings 6 to 8 add five bytes after the guards (empty exposures, ids, no open, events, kept opens).
        byte[] v5 = Arrays.copyOf(body.getCopyOfBuffer(), body.length() - 5);
        // Encoding 4 is 5 without the guards' map at the end: here only its size, 0, in one byte.
        DataOutputSerializer one = new DataOutputSerializer(256);
        u.profile.runaway.put("news", new RunawayCount());
        serializer.writeBody(u, one, 9);
        u.profile.runaway.clear();
        assertThat(one.length()).as("a map of one adds to the last byte").isGreaterThan(body.length());
        byte[] v4 = Arrays.copyOf(v5, v5.length - 1);
        UserState back = serializer.readBody(new BytesReader(v4), 4);
        assertThat(back).usingRecursiveComparison().isEqualTo(u);
        assertThat(back.profile.runaway).isEmpty();
        assertThatThrownBy(() -> serializer.readBody(new BytesReader(v4), 5))
                .as("read as 5, the same bytes run out")
                .isInstanceOf(IOException.class);
        // The header says which: 4 is read, 3 is not.
        byte[] whole = bytesInEncoding9(u);
        whole[0] = 4;
        assertThatThrownBy(() -> serializer.deserialize(new DataInputDeserializer(whole)))
                .as("a 5 body under a 4 header has a byte too many")
                .hasMessageContaining("bytes after its last field");
        whole[0] = 3;
        assertThatThrownBy(() -> serializer.deserialize(new DataInputDeserializer(whole)))
                .hasMessageContaining("encoding 3");
    }

    @Test
    void aValueCutShortOrWithBytesAfterItIsRefused_notMisread() throws Exception {
        byte[] written = bytes(fullUser());
        // The length after the version byte covers the rest; cut inside the body, the read runs out.
        byte[] cut = Arrays.copyOf(written, written.length - 5);
        assertThatThrownBy(() -> serializer.deserialize(new DataInputDeserializer(cut)))
                .isInstanceOf(IOException.class);
        // A body whose stated length is longer than its devices: refused, not skipped.
        UserState one = new UserState();
        DeviceRecord d = new DeviceRecord();
        d.deviceId = "d";
        one.devices.put("d", d);
        byte[] value = bytes(one);
        byte[] longer = Arrays.copyOf(value, value.length + 1);
        longer[1]++; // the body's length, one byte here (zig-zag: +2 per unit)
        longer[1]++;
        assertThatThrownBy(() -> serializer.deserialize(new DataInputDeserializer(longer)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("user state has bytes after its last field");
        // Cut so that a field runs past the end of the body: the reader says where.
        byte[] shortBody = value.clone();
        shortBody[1] -= 2;
        assertThatThrownBy(() -> serializer.deserialize(new DataInputDeserializer(shortBody)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("early");
    }

    @Test
    void eachDeviceExpiresOnItsOwnFromItsLastWrite() throws Exception {
        long day = 86_400_000L;
        UserState u = new UserState();
        UserDevices at0 = u.devicesAt(0, 10 * day);
        DeviceRecord a = new DeviceRecord();
        a.deviceId = "a";
        at0.put("a", a);
        UserDevices at5 = u.devicesAt(5 * day, 10 * day);
        DeviceRecord b = new DeviceRecord();
        b.deviceId = "b";
        at5.put("b", b);
        assertThat(a.writtenAt).isEqualTo(0);
        assertThat(b.writtenAt).isEqualTo(5 * day);
        assertThat(u.live(9 * day, 10 * day)).extracting(d -> d.deviceId).containsExactly("a", "b");
        assertThat(u.live(11 * day, 10 * day)).extracting(d -> d.deviceId).containsExactly("b");
        // Survives the round trip, and a merge at day 11 no longer sees (and drops) the expired one.
        UserState back = serializer.deserialize(new DataInputDeserializer(bytes(u)));
        assertThat(back.devicesAt(11 * day, 10 * day).get("a")).isNull();
        assertThat(back.devices).containsOnlyKeys("b");
    }
}
