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
    void fcmBuildsTheV1MessageEnvelope() throws Exception {
        JsonNode n = JSON.readTree(Payloads.fcm("tok", "T", "B", message(), "breaking", 60L));
        assertThat(n.at("/message/token").asText()).isEqualTo("tok");
        assertThat(n.at("/message/notification/title").asText()).isEqualTo("T");
        assertThat(n.at("/message/notification/body").asText()).isEqualTo("B");
        assertThat(n.at("/message/data/deeplink").asText()).isEqualTo("app://x");
        assertThat(n.at("/message/android/collapse_key").asText()).isEqualTo("breaking");
        assertThat(n.at("/message/android/ttl").asText()).isEqualTo("60s");
    }
}
