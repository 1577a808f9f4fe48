package io.herald.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.DeviceEvent;
import io.herald.model.Platform;
import io.herald.model.RawRecord;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeviceEventCodecTest {
    private final DeviceEventCodec codec = new DeviceEventCodec();

    private Parsed<DeviceEvent> parse(String json) {
        return codec.parse(new RawRecord("devices", 0, 0, 0, json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void parsesARegistrationWithTypedAttributes() {
        Parsed<DeviceEvent> p = parse("{\"type\":\"register\",\"userId\":\"u1\",\"deviceId\":\"d1\",\"appId\":\"news\","
                + "\"platform\":\"android\",\"token\":\"t\",\"locale\":\"pt-BR\",\"optIn\":false,"
                + "\"attributes\":{\"name\":\"Ana\",\"streak\":3,\"vip\":true},\"tags\":[\"a\"],\"version\":7}");
        assertThat(p.isOk()).isTrue();
        DeviceEvent e = p.value();
        assertThat(e.platform).isEqualTo(Platform.ANDROID);
        assertThat(e.optIn).isFalse();
        assertThat(e.attributes.get("streak").value()).isEqualTo(3L);
        assertThat(e.attributes.get("vip").value()).isEqualTo(true);
        assertThat(e.attributes.get("name").version).isEqualTo(7);
        assertThat(e.tags).containsExactly("a");
    }

    @Test
    void refusesWithAReason() {
        assertThat(parse("{not json").error()).startsWith("malformed JSON");
        assertThat(parse("[1]").error()).isEqualTo("not a JSON object");
        assertThat(parse("{\"type\":\"register\",\"userId\":\"u1\",\"deviceId\":\"d1\"}").error())
                .isEqualTo("version is missing or not a whole number");
        assertThat(parse("{\"type\":\"register\",\"deviceId\":\"d1\",\"version\":1}").error()).isEqualTo("userId is missing");
        assertThat(parse("{\"type\":\"register\",\"userId\":\"u\",\"deviceId\":\"d\",\"appId\":\"a\","
                + "\"platform\":\"windows\",\"version\":1}").error()).contains("platform 'windows'");
        assertThat(parse("{\"type\":\"explode\",\"userId\":\"u\",\"deviceId\":\"d\",\"version\":1}").error())
                .contains("type 'explode'");
        assertThat(codec.parse(new RawRecord("devices", 0, 0, 0, null)).error()).isEqualTo("empty record value");
    }

    @Test
    void tokenRejectionsRoundTrip() {
        DeviceEvent e = DeviceEvent.tokenRejected("u1", "d1", "news", "tok", "Unregistered", 99);
        Parsed<DeviceEvent> p = codec.parse(new RawRecord("devices", 0, 0, 0, DeviceEventCodec.write(e)));
        assertThat(p.value()).usingRecursiveComparison().isEqualTo(e);
    }
}
