package io.herald.payload;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.model.Message;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PayloadsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Message message() {
        Message m = new Message();
        m.sound = "default";
        m.data = Map.of("deeplink", "app://x");
        return m;
    }

    @Test
    void apnsPutsTheAlertUnderApsAndCustomDataBesideIt() throws Exception {
        JsonNode n = JSON.readTree(Payloads.apns("Hi \"Ana\"", "Body", message()));
        assertThat(n.at("/aps/alert/title").asText()).isEqualTo("Hi \"Ana\"");
        assertThat(n.at("/aps/alert/body").asText()).isEqualTo("Body");
        assertThat(n.at("/aps/sound").asText()).isEqualTo("default");
        assertThat(n.get("deeplink").asText()).isEqualTo("app://x");
    }

    @Test
    void apnsCarriesTheOptionsRealAppsUse() throws Exception {
        Message m = message();
        m.apns.subtitle = "Sub";
        m.apns.badge = 3;
        m.apns.threadId = "news";
        m.apns.category = "READ";
        m.apns.mutableContent = true;
        m.apns.interruptionLevel = "time-sensitive";
        m.apns.relevanceScore = 0.5;
        JsonNode n = JSON.readTree(Payloads.apns("T", "B", m));
        assertThat(n.at("/aps/alert/subtitle").asText()).isEqualTo("Sub");
        assertThat(n.at("/aps/badge").asInt()).isEqualTo(3);
        assertThat(n.at("/aps/thread-id").asText()).isEqualTo("news");
        assertThat(n.at("/aps/category").asText()).isEqualTo("READ");
        assertThat(n.at("/aps/mutable-content").asInt()).isEqualTo(1);
        assertThat(n.at("/aps/interruption-level").asText()).isEqualTo("time-sensitive");
        assertThat(n.at("/aps/relevance-score").asDouble()).isEqualTo(0.5);
    }

    @Test
    void aBackgroundPushHasNoAlert() throws Exception {
        Message m = message();
        m.apns.contentAvailable = true;
        JsonNode n = JSON.readTree(Payloads.apns("T", "B", m));
        assertThat(n.at("/aps/content-available").asInt()).isEqualTo(1);
        assertThat(n.at("/aps/alert").isMissingNode()).isTrue();
        assertThat(n.at("/aps/sound").isMissingNode()).isTrue();
    }

    @Test
    void fcmCarriesAndroidOptions() throws Exception {
        Message m = message();
        m.android.priority = "normal";
        m.android.channelId = "breaking";
        m.android.tag = "t1";
        JsonNode n = JSON.readTree(Payloads.fcm("tok", "T", "B", m, null, null));
        assertThat(n.at("/message/android/priority").asText()).isEqualTo("normal");
        assertThat(n.at("/message/android/notification/channel_id").asText()).isEqualTo("breaking");
        assertThat(n.at("/message/android/notification/tag").asText()).isEqualTo("t1");
        assertThat(n.at("/message/android/notification/sound").asText()).isEqualTo("default");
    }

    @Test
    void fcmBuildsTheV1MessageEnvelope() throws Exception {
        JsonNode n = JSON.readTree(Payloads.fcm("tok", "T", "B", message(), "breaking", 60L));
        assertThat(n.at("/message/token").asText()).isEqualTo("tok");
        assertThat(n.at("/message/notification/title").asText()).isEqualTo("T");
        assertThat(n.at("/message/notification/body").asText()).isEqualTo("B");
        assertThat(n.at("/message/data/deeplink").asText()).isEqualTo("app://x");
        assertThat(n.at("/message/android/collapse_key").asText()).isEqualTo("breaking");
        assertThat(n.at("/message/android/ttl").asText()).isEqualTo("60s");
    }

    @Test
    void fcmBodyBuiltOnceTakesEachTokenEscaped() throws Exception {
        Payloads.FcmBody body = Payloads.fcmBody("T", "B", message(), null, 60L);
        for (String token : new String[] {"tok", "a\"b\\c", "fcm:APA91b-_x"}) {
            JsonNode n = JSON.readTree(body.forToken(token));
            assertThat(n.at("/message/token").asText()).isEqualTo(token);
            assertThat(n.at("/message/notification/body").asText()).isEqualTo("B");
            assertThat(n.at("/message/android/ttl").asText()).isEqualTo("60s");
        }
    }
}
