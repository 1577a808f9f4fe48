package io.herald.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Interaction;
import io.herald.model.RawRecord;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class InteractionCodecTest {
    private final InteractionCodec codec = new InteractionCodec();

    private Parsed<Interaction> parse(String json) {
        return codec.parse(
                new RawRecord("interactions", 0, 0, 1_764_000_000_000L, json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void readsOpensActionsAndEvents() {
        Interaction open = parse(
                        "{\"type\":\"opened\",\"userId\":\"u1\",\"campaignId\":\"c1\",\"notificationId\":\"c1/d1\","
                                + "\"at\":1764000000500}")
                .value();
        assertThat(open.type).isEqualTo(Interaction.Type.OPENED);
        assertThat(open.campaignId).isEqualTo("c1");
        assertThat(open.at).isEqualTo(1_764_000_000_500L);
        Interaction action = parse("{\"type\":\"action\",\"userId\":\"u1\",\"campaignId\":\"c1\",\"action\":\"reply\"}")
                .value();
        assertThat(action.action).isEqualTo("reply");
        assertThat(action.at).as("the record's timestamp when it names none").isEqualTo(1_764_000_000_000L);
        Interaction event = parse("{\"type\":\"event\",\"userId\":\"u1\",\"appId\":\"news\",\"name\":\"purchase\","
                        + "\"value\":12.5,\"eventId\":\"e-81\",\"at\":1764000000900}")
                .value();
        assertThat(event.name).isEqualTo("purchase");
        assertThat(event.value).isEqualTo(12.5);
        assertThat(event.eventId).isEqualTo("e-81");
    }

    @Test
    void refusesEachBadFieldByName() {
        assertThat(parse("{\"type\":\"clicked\",\"userId\":\"u1\"}").error())
                .isEqualTo("type 'clicked' is not one of opened, action, event");
        assertThat(parse("{\"type\":\"opened\",\"userId\":\"u1\"}").error()).isEqualTo("campaignId is missing");
        assertThat(parse("{\"type\":\"opened\",\"campaignId\":\"c1\"}").error()).isEqualTo("userId is missing");
        assertThat(parse("{\"type\":\"action\",\"userId\":\"u1\",\"campaignId\":\"c1\"}")
                        .error())
                .isEqualTo("action is missing");
        assertThat(parse("{\"type\":\"opened\",\"userId\":\"u1\",\"campaignId\":\"c1\",\"notificationId\":\"c2/d1\"}")
                        .error())
                .isEqualTo("notificationId is not one of campaign c1's (campaignId/…/deviceId)");
        assertThat(parse("{\"type\":\"event\",\"userId\":\"u1\",\"appId\":\"news\"}")
                        .error())
                .isEqualTo("name is missing");
        assertThat(parse("{\"type\":\"event\",\"userId\":\"u1\",\"name\":\"purchase\"}")
                        .error())
                .isEqualTo("appId is missing");
        assertThat(parse("{\"type\":\"event\",\"userId\":\"u1\",\"appId\":\"news\",\"name\":\"a purchase\"}")
                        .error())
                .isEqualTo("name 'a purchase' is not a name: 1 to 64 letters, digits, '_', '.', ':' or '-'");
        assertThat(parse("{\"type\":\"event\",\"userId\":\"u1\",\"appId\":\"news\",\"name\":\"p\",\"value\":\"12\"}")
                        .error())
                .isEqualTo("value is a string; it must be a number");
        assertThat(parse("{\"type\":\"event\",\"userId\":\"u1\",\"appId\":\"news\",\"name\":\"p\",\"value\":1e300}")
                        .error())
                .isEqualTo("value is 1.0E300; it must be a number from -1000000000000 to 1000000000000");
        assertThat(parse("{\"type\":\"opened\",\"userId\":\"u1\",\"campaignId\":\"c1\",\"at\":\"today\"}")
                        .error())
                .isEqualTo("at is a string; it must be a whole number");
        assertThat(parse("{\"type\":\"opened\",\"userId\":\"u1\",\"campaignId\":\"c1\",\"at\":-5}")
                        .error())
                .isEqualTo("at is -5; it must be epoch milliseconds");
        assertThat(parse("{\"type\":\"opened\",\"userId\":\"u\\u0007\",\"campaignId\":\"c1\"}")
                        .error())
                .isEqualTo("userId has a control character (U+0007) at 1");
        assertThat(parse("{\"type\":\"opened\",\"userId\":\"u1\",\"campaignId\":\"c1\",\"eventId\":\"" + "x".repeat(300)
                                + "\"}")
                        .error())
                .isEqualTo("eventId is 300 bytes long, over the 256-byte limit");
        assertThat(parse("{\"type\":\"opened\",\"userId\":\"u1\",\"campaignId\":\"c1\",\"pad\":\"" + "x".repeat(5000)
                                + "\"}")
                        .error())
                .startsWith("record is 50");
        assertThat(parse("{oops").error()).startsWith("malformed JSON");
    }
}
