package io.herald.job.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.AudienceRow;
import io.herald.model.Campaign;
import io.herald.model.CampaignEvent;
import io.herald.model.Interaction;
import io.herald.model.UserUpdate;
import java.io.IOException;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class UserUpdateSerializerTest {
    private final TypeSerializer<UserUpdate> serializer =
            UserUpdateSerializer.TYPE.createSerializer(new SerializerConfigImpl());

    private UserUpdate back(TypeSerializer<UserUpdate> s, UserUpdate u) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(u, out);
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        UserUpdate read = s.deserialize(in);
        assertThat(in.available()).isZero();
        return read;
    }

    @Test
    void eachKindOfUpdateComesBackWhole() throws Exception {
        UserUpdate device = UserUpdate.of(DeviceEventSerializerTest.everyField());
        assertThat(back(serializer, device)).usingRecursiveComparison().isEqualTo(device);

        UserUpdate audience = UserUpdate.of(new AudienceRow("spring-sale", "u7"));
        assertThat(back(serializer, audience)).usingRecursiveComparison().isEqualTo(audience);

        CampaignEvent send = new CampaignEvent();
        send.type = CampaignEvent.Type.SEND;
        send.campaignId = "password-reset";
        send.userId = "u7";
        send.sendId = "s-1";
        send.timestamp = 1_764_000_000_000L;
        send.campaign = new Campaign();
        send.campaign.appId = "news";
        UserUpdate sent = UserUpdate.of(send);
        assertThat(back(serializer, sent)).usingRecursiveComparison().isEqualTo(sent);
        assertThat(serializer.copy(sent)).usingRecursiveComparison().isEqualTo(sent);
        assertThat(serializer.copy(device)).usingRecursiveComparison().isEqualTo(device);
        assertThat(back(serializer.duplicate(), sent))
                .usingRecursiveComparison()
                .isEqualTo(sent);
        Interaction event = new Interaction();
        event.type = Interaction.Type.EVENT;
        event.userId = "u7";
        event.appId = "news";
        event.name = "purchase";
        event.value = 12.5;
        event.eventId = "e-1";
        event.at = 1_764_000_000_123L;
        UserUpdate interaction = UserUpdate.of(event);
        assertThat(back(serializer, interaction)).usingRecursiveComparison().isEqualTo(interaction);
        assertThat(serializer.copy(interaction)).usingRecursiveComparison().isEqualTo(interaction);
        Interaction open = new Interaction();
        open.type = Interaction.Type.OPENED;
        open.userId = "u7";
        open.campaignId = "c1";
        UserUpdate opened = UserUpdate.of(open);
        assertThat(back(serializer, opened)).usingRecursiveComparison().isEqualTo(opened);
        UserUpdate fresh = serializer.createInstance();
        assertThat(back(serializer, fresh)).usingRecursiveComparison().isEqualTo(fresh);
    }

    @Test
    void itsSnapshotMakesTheSameSerializer() throws Exception {
        TypeSerializerSnapshot<UserUpdate> snapshot = serializer.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        TypeSerializerSnapshot<UserUpdate> read = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        TypeSerializer<UserUpdate> restored = read.restoreSerializer();
        assertThat(restored).isEqualTo(serializer);
        assertThat(serializer
                        .snapshotConfiguration()
                        .resolveSchemaCompatibility(read)
                        .isCompatibleAsIs())
                .isTrue();
    }
}
