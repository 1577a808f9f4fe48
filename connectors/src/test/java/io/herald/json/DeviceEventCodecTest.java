package io.herald.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.DeviceEvent;
import io.herald.model.Platform;
import io.herald.model.RawRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DeviceEventCodecTest {
    private final DeviceEventCodec codec = new DeviceEventCodec();

    private Parsed<DeviceEvent> parse(String json) {
        return codec.parse(new RawRecord("devices", 0, 0, 0, json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void parsesARegistrationWithTypedAttributes() {
        Parsed<DeviceEvent> p = parse("{\"type\":\"register\",\"userId\":\"u1\",\"deviceId\":\"d1\",\"appId\":\"news\","
                + "\"platform\":\"android\",\"token\":\"fcm-token-0123456789abcdef:APA91b\",\"locale\":\"pt-BR\",\"optIn\":false,"
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
        assertThat(parse("{\"type\":\"register\",\"userId\":\"u1\",\"deviceId\":\"d1\"}")
                        .error())
                .isEqualTo("version is missing");
        assertThat(parse("{\"type\":\"register\",\"deviceId\":\"d1\",\"version\":1}")
                        .error())
                .isEqualTo("userId is missing");
        assertThat(parse("{\"type\":\"register\",\"userId\":\"u\",\"deviceId\":\"d\",\"appId\":\"a\","
                                + "\"platform\":\"windows\",\"version\":1}")
                        .error())
                .contains("platform 'windows'");
        assertThat(parse("{\"type\":\"explode\",\"userId\":\"u\",\"deviceId\":\"d\",\"version\":1}")
                        .error())
                .contains("type 'explode'");
        assertThat(codec.parse(new RawRecord("devices", 0, 0, 0, null)).error()).isEqualTo("empty record value");
        String register = "{\"type\":\"register\",\"userId\":\"u\",\"deviceId\":\"d\",\"appId\":\"a\",\"version\":1,";
        assertThat(parse(register + "\"platform\":\"ios\",\"token\":\"abc\"}").error())
                .isEqualTo("token does not look like an APNs token");
        assertThat(parse(register + "\"platform\":\"android\",\"token\":\"has spaces in it, which FCM never makes\"}")
                        .error())
                .isEqualTo("token does not look like an FCM token");
        assertThat(parse(register + "\"platform\":\"ios\",\"timezone\":\"Mars/Olympus\"}")
                        .error())
                .isEqualTo("timezone 'Mars/Olympus' is not an IANA time zone");
        assertThat(parse(register + "\"platform\":\"ios\",\"locale\":\"en_US!\"}")
                        .error())
                .isEqualTo("locale 'en_US!' is not a BCP 47 language tag");
        assertThat(parse("{\"type\":\"tags_add\",\"userId\":\"u\",\"deviceId\":\"d\",\"version\":1}")
                        .error())
                .isEqualTo("tags_add without tags");
        assertThat(parse("{\"type\":\"uninstall\",\"userId\":\"u\",\"version\":1}")
                        .error())
                .isEqualTo("deviceId is missing");
    }

    @Test
    void parsesEveryOtherKindOfEvent() {
        assertThat(parse("{\"type\":\"erase_user\",\"userId\":\"u\",\"version\":9}")
                        .value()
                        .type)
                .isEqualTo(DeviceEvent.Type.ERASE_USER);
        DeviceEvent unset = parse(
                        "{\"type\":\"attributes_unset\",\"userId\":\"u\",\"unset\":[\"a\",\"b\"],\"version\":9}")
                .value();
        assertThat(unset.unset).containsExactly("a", "b");
        DeviceEvent set = parse("{\"type\":\"attributes_set\",\"userId\":\"u\",\"version\":9,"
                        + "\"attributes\":{\"joined\":{\"timestamp\":\"2026-01-02T03:04:05Z\"}}}")
                .value();
        assertThat(set.attributes.get("joined").timestamp)
                .isEqualTo(Instant.parse("2026-01-02T03:04:05Z").toEpochMilli());
        DeviceEvent rotate = parse(
                        "{\"type\":\"update\",\"userId\":\"u\",\"deviceId\":\"d\","
                                + "\"token\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"lastSeen\":5,\"version\":9}")
                .value();
        assertThat(rotate.type).isEqualTo(DeviceEvent.Type.UPDATE);
        assertThat(rotate.lastSeen).isEqualTo(5);
    }

    @Test
    void tokenRejectionsRoundTrip() {
        DeviceEvent e = DeviceEvent.tokenRejected("u1", "d1", "news", "tok", "Unregistered", 99);
        Parsed<DeviceEvent> p = codec.parse(new RawRecord("devices", 0, 0, 0, DeviceEventCodec.write(e)));
        assertThat(p.value()).usingRecursiveComparison().isEqualTo(e);
    }

    @Test
    void halfACharacterIsRefusedNamingTheField_aPairIsNot() {
        // JSON escapes can spell a lone surrogate, which no UTF-8 holds: the id would come back
        // from a shuffle or from state as another id.
        String register = "{\"type\":\"register\",\"deviceId\":\"d\",\"version\":1,";
        assertThat(parse(register + "\"userId\":\"u\\ud800x\"}").error())
                .isEqualTo("userId has half a character (a lone surrogate, U+D800) at 1");
        assertThat(parse(register + "\"userId\":\"u\\udc00\"}").error())
                .isEqualTo("userId has half a character (a lone surrogate, U+DC00) at 1");
        assertThat(parse("{\"type\":\"attributes_set\",\"userId\":\"u\",\"version\":1,"
                                + "\"attributes\":{\"name\":\"\\ud83d\"}}")
                        .error())
                .isEqualTo("attributes.name has half a character (a lone surrogate, U+D83D) at 0");
        DeviceEvent paired = parse("{\"type\":\"attributes_set\",\"userId\":\"u\\ud83d\\ude00\",\"version\":1,"
                        + "\"attributes\":{\"name\":\"\\ud83d\\ude00\"}}")
                .value();
        assertThat(paired.userId).isEqualTo("u\ud83d\ude00");
        assertThat(paired.attributes.get("name").text).isEqualTo("\ud83d\ude00");
    }

    @Test
    void aFieldOfTheWrongTypeRefusesTheWholeRecord_namingTheField() {
        String register =
                "{\"type\":\"register\",\"userId\":\"u\",\"deviceId\":\"d\",\"appId\":\"a\",\"platform\":\"ios\","
                        + "\"version\":1,";
        assertThat(parse(register + "\"token\":-1}").error()).isEqualTo("token is a whole number; it must be a string");
        assertThat(parse(register + "\"token\":true}").error()).isEqualTo("token is a boolean; it must be a string");
        assertThat(parse(register + "\"locale\":[]}").error()).isEqualTo("locale is an array; it must be a string");
        assertThat(parse(register + "\"timezone\":{}}").error())
                .isEqualTo("timezone is an object; it must be a string");
        assertThat(parse(register + "\"optIn\":\"yes\"}").error()).isEqualTo("optIn is a string; it must be a boolean");
        assertThat(parse(register + "\"optIn\":null}").error())
                .isEqualTo("optIn is null; it must be a boolean (or be left out)");
        assertThat(parse(register + "\"tags\":[\"a\",3]}").error())
                .isEqualTo("tags[1] is a whole number; it must be a string");
        assertThat(parse(register + "\"attributes\":{\"x\":[1]}}").error()).startsWith("attributes.x is an array");
        assertThat(parse(register.replace("\"version\":1,", "\"version\":1.5,") + "\"optIn\":true}")
                        .error())
                .isEqualTo("version is a number; it must be a whole number");
        assertThat(parse(register.replace("\"appId\":\"a\"", "\"appId\":\"\"") + "\"optIn\":true}")
                        .error())
                .isEqualTo("appId is empty");
        assertThat(parse(register.replace("\"userId\":\"u\"", "\"userId\":\"" + "ü".repeat(129) + "\"")
                                + "\"optIn\":true}")
                        .error())
                .isEqualTo("userId is 258 bytes long, over the 256-byte limit");
        StringBuilder big = new StringBuilder(register + "\"attributes\":{");
        for (int i = 0; i < 20; i++) {
            big.append(i == 0 ? "" : ",")
                    .append("\"a")
                    .append(i)
                    .append("\":\"")
                    .append("x".repeat(3500))
                    .append('"');
        }
        assertThat(parse(big + "}}").error())
                .as("every field fits; the whole does not")
                .matches("record is 70\\d{3} bytes, over the 65536-byte limit of devices records");
        assertThat(parse("[".repeat(40) + "]".repeat(40)).error()).startsWith("malformed JSON");
        assertThat(parse(register + "\"laterField\":{\"any\":1}}").error())
                .as("unknown fields are accepted")
                .isNull();
    }
}
