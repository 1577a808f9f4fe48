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

    /** A browser's subscription as PushSubscription.toJSON() writes it: 65-byte p256dh, 16-byte auth. */
    private static final String P256DH =
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";

    private static final String AUTH = "BTBZMqHH6r4Tts7J_aSIgg";

    private static String web(String subscription) {
        return "{\"type\":\"register\",\"userId\":\"u1\",\"deviceId\":\"w1\",\"appId\":\"news\","
                + "\"platform\":\"web\",\"browser\":\"firefox\",\"subscription\":" + subscription
                + ",\"version\":7}";
    }

    private static String subscription(String endpoint, String p256dh, String auth) {
        return "{\"endpoint\":\"" + endpoint + "\",\"expirationTime\":null,\"keys\":{\"p256dh\":\"" + p256dh
                + "\",\"auth\":\"" + auth + "\"}}";
    }

    @Test
    void aBrowsersSubscriptionIsItsTokenAndKeys() {
        Parsed<DeviceEvent> p = parse(web(subscription("https://push.example.net/wpush/v2/abc", P256DH, AUTH)));
        assertThat(p.error()).isNull();
        DeviceEvent e = p.value();
        assertThat(e.platform).isEqualTo(Platform.WEB);
        assertThat(e.token).isEqualTo("https://push.example.net/wpush/v2/abc");
        assertThat(e.pushKeys.p256dh).isEqualTo(P256DH);
        assertThat(e.pushKeys.auth).isEqualTo(AUTH);
        assertThat(e.browser).isEqualTo("firefox");
    }

    @Test
    void aBadSubscriptionIsRefusedNamingTheField() {
        String endpoint = "https://push.example.net/x";
        assertThat(parse(web(subscription("http://push.example.net/x", P256DH, AUTH)))
                        .error())
                .isEqualTo("subscription.endpoint must be an https URL");
        assertThat(parse(web(subscription("https://u@push.example.net/x", P256DH, AUTH)))
                        .error())
                .startsWith("subscription.endpoint must be https://host");
        assertThat(parse(web(subscription("https://push.example.net/" + "a".repeat(2100), P256DH, AUTH)))
                        .error())
                .startsWith("subscription.endpoint is 2125 characters long, over the limit of 2048");
        assertThat(parse(web(subscription(endpoint, P256DH.substring(4), AUTH))).error())
                .startsWith("subscription.keys.p256dh must be a P-256 public key");
        assertThat(parse(web(subscription(endpoint, P256DH, AUTH + "AA"))).error())
                .isEqualTo("subscription.keys.auth must be 16 bytes, base64url");
        assertThat(parse(web(subscription(endpoint, P256DH, "not base64!"))).error())
                .isEqualTo("subscription.keys.auth must be 16 bytes, base64url");
        assertThat(parse(web("{\"endpoint\":\"" + endpoint + "\"}")).error()).isEqualTo("subscription.keys is missing");
        assertThat(parse(web("{\"endpoint\":\"" + endpoint + "\",\"keys\":{\"p256dh\":\"" + P256DH + "\"}}"))
                        .error())
                .isEqualTo("subscription.keys.auth is missing");
        assertThat(parse(web("{\"keys\":{}}")).error()).isEqualTo("subscription.endpoint is missing");
        // A subscription without its platform could land on a phone, whose token it would become.
        assertThat(parse(web(subscription(endpoint, P256DH, AUTH))
                                .replace("\"type\":\"register\"", "\"type\":\"update\"")
                                .replace(",\"platform\":\"web\"", ""))
                        .error())
                .isEqualTo("subscription needs platform web with it");
        assertThat(parse(web("\"https://push.example.net/x\"")).error()).startsWith("subscription is a string");
        assertThat(parse("{\"type\":\"register\",\"userId\":\"u1\",\"deviceId\":\"w1\",\"appId\":\"news\","
                                + "\"platform\":\"web\",\"token\":\"https://push.example.net/x\",\"version\":7}")
                        .error())
                .isEqualTo("token is for ios and android; a web device gives its subscription");
        String ios = web(subscription(endpoint, P256DH, AUTH)).replace("\"web\"", "\"ios\"");
        assertThat(parse(ios).error()).isEqualTo("browser is for platform web only");
        assertThat(parse(ios.replace(",\"browser\":\"firefox\"", "")).error())
                .isEqualTo("subscription is for platform web only; platform is ios");
        assertThat(parse(web(subscription(endpoint, P256DH, AUTH)).replace("firefox", "fire\\tfox"))
                        .error())
                .startsWith("browser");
    }

    @Test
    void heraldsOwnFeedbackAboutABrowserIsRead_itsTokenAnEndpoint() {
        String endpoint = "https://push.example.net/wpush/v2/abc";
        DeviceEvent released = DeviceEvent.claimsReleased("u1", "w1", endpoint, 9);
        Parsed<DeviceEvent> back = codec.parse(new RawRecord("devices", 0, 0, 0, DeviceEventCodec.write(released)));
        assertThat(back.error()).isNull();
        assertThat(back.value().token).isEqualTo(endpoint);
        DeviceEvent rejected = DeviceEvent.tokenRejected("u1", "w1", "news", endpoint, "HTTP 410", 9);
        assertThat(codec.parse(new RawRecord("devices", 0, 0, 0, DeviceEventCodec.write(rejected)))
                        .error())
                .isNull();
    }

    private static final String LA_TOKEN = "80" + "a1".repeat(39);

    private static String liveActivity(String fields) {
        return "{\"type\":\"live_activity_token\",\"userId\":\"u1\",\"deviceId\":\"d1\",\"version\":7," + fields + "}";
    }

    @Test
    void aLiveActivityTokenIsPushToStartWithoutAnActivityId_anUpdateTokenWithOne() {
        DeviceEvent start = parse(liveActivity(
                        "\"appId\":\"news\",\"activityType\":\"MatchAttributes\",\"token\":\"" + LA_TOKEN + "\""))
                .value();
        assertThat(start.type).isEqualTo(DeviceEvent.Type.LIVE_ACTIVITY_TOKEN);
        assertThat(start.activityType).isEqualTo("MatchAttributes");
        assertThat(start.activityId).isNull();
        assertThat(start.token).isEqualTo(LA_TOKEN);
        DeviceEvent update = parse(
                        liveActivity("\"appId\":\"news\",\"platform\":\"ios\",\"activityType\":\"App.Match_v2\","
                                + "\"activityId\":\"9F2C:match-42\",\"token\":\"" + LA_TOKEN + "\""))
                .value();
        assertThat(update.activityId).isEqualTo("9F2C:match-42");
        assertThat(update.platform).isEqualTo(Platform.IOS);
        DeviceEvent ended = parse("{\"type\":\"live_activity_ended\",\"userId\":\"u1\",\"deviceId\":\"d1\","
                        + "\"activityId\":\"match-42\",\"version\":8}")
                .value();
        assertThat(ended.type).isEqualTo(DeviceEvent.Type.LIVE_ACTIVITY_ENDED);
        assertThat(ended.activityId).isEqualTo("match-42");
    }

    @Test
    void aBadLiveActivityEventIsRefusedNamingTheField() {
        String app = "\"appId\":\"news\",";
        String type = "\"activityType\":\"MatchAttributes\",";
        String token = "\"token\":\"" + LA_TOKEN + "\"";
        assertThat(parse(liveActivity(type + token)).error()).isEqualTo("live_activity_token without appId");
        assertThat(parse(liveActivity(app + token)).error()).isEqualTo("live_activity_token without activityType");
        assertThat(parse(liveActivity(app + type.replace("MatchAttributes", "Match Attributes") + token))
                        .error())
                .startsWith("activityType must be 1 to 128 letters");
        assertThat(parse(liveActivity(app + type.replace("MatchAttributes", "M".repeat(129)) + token))
                        .error())
                .startsWith("activityType must be 1 to 128");
        assertThat(parse(liveActivity(app + type + "\"activityId\":\"match/42\"," + token))
                        .error())
                .startsWith("activityId must be 1 to 128 letters");
        assertThat(parse(liveActivity(app + type.replace(",", ""))).error())
                .isEqualTo("live_activity_token without token");
        assertThat(parse(liveActivity(app + type + "\"token\":\"fcm-token-0123456789abcdef:APA91b\""))
                        .error())
                .isEqualTo("token does not look like an APNs token");
        assertThat(parse(liveActivity(app + type + "\"platform\":\"android\"," + token))
                        .error())
                .isEqualTo("live_activity_token is for platform ios only; platform is android");
        assertThat(parse(liveActivity(app + type + "\"platform\":\"web\"," + token))
                        .error())
                .isEqualTo("live_activity_token is for platform ios only; platform is web");
        assertThat(parse("{\"type\":\"live_activity_ended\",\"userId\":\"u1\",\"deviceId\":\"d1\",\"version\":8}")
                        .error())
                .isEqualTo("live_activity_ended without activityId");
        assertThat(parse("{\"type\":\"live_activity_ended\",\"userId\":\"u1\",\"activityId\":\"m\",\"version\":8}")
                        .error())
                .isEqualTo("deviceId is missing");
        assertThat(parse("{\"type\":\"register\",\"userId\":\"u\",\"deviceId\":\"d\",\"appId\":\"a\","
                                + "\"platform\":\"ios\",\"activityId\":\"m\",\"version\":1}")
                        .error())
                .isEqualTo("activityId is for live_activity_token and live_activity_ended only");
    }

    @Test
    void heraldsOwnFeedbackAboutALiveActivityTokenIsRead() {
        DeviceEvent rejected = DeviceEvent.tokenRejected("u1", "d1", "news", LA_TOKEN, "BadDeviceToken", 9);
        Parsed<DeviceEvent> back = codec.parse(new RawRecord("devices", 0, 0, 0, DeviceEventCodec.write(rejected)));
        assertThat(back.value()).usingRecursiveComparison().isEqualTo(rejected);
        DeviceEvent ended = parse("{\"type\":\"live_activity_ended\",\"userId\":\"u1\",\"deviceId\":\"d1\","
                        + "\"activityId\":\"match-42\",\"version\":10}")
                .value();
        assertThat(codec.parse(new RawRecord("devices", 0, 0, 0, DeviceEventCodec.write(ended)))
                        .value())
                .usingRecursiveComparison()
                .isEqualTo(ended);
    }
}
