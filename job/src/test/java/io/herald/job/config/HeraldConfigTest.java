package io.herald.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.apns.ApnsApp;
import io.herald.model.QuietHoursSpec;
import io.herald.webpush.WebPushApp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeraldConfigTest {
    private static HeraldConfig withCap(Integer max, String window) {
        HeraldConfig c = new HeraldConfig();
        c.kafka.bootstrapServers = "localhost:9092";
        HeraldConfig.App app = new HeraldConfig.App();
        app.id = "news";
        app.apns = new ApnsApp();
        app.apns.keyFile = "/k.p8";
        app.apns.keyId = "K";
        app.apns.teamId = "T";
        app.apns.topic = "com.example.news";
        if (max != null) {
            app.frequencyCap = new HeraldConfig.Cap();
            app.frequencyCap.max = max;
            app.frequencyCap.window = window;
        }
        c.apps.add(app);
        return c;
    }

    @Test
    void aFrequencyCapIsCheckedAndNamedWhenWrong() {
        HeraldConfig good = withCap(3, "PT24H");
        good.check();
        assertThat(good.frequencyCaps().get("news").window).isEqualTo(Duration.ofHours(24));
        assertThat(withCap(null, null).frequencyCaps()).isEmpty();
        assertThatThrownBy(() -> withCap(3, "a day").check()).hasMessageContaining("apps.news.frequencyCap.window");
        assertThatThrownBy(() -> withCap(3, null).check())
                .hasMessageContaining("apps.news.frequencyCap.window is missing");
        assertThatThrownBy(() -> withCap(0, "PT1H").check()).hasMessageContaining("apps.news.frequencyCap");
    }

    @Test
    void quietHoursAreCheckedAndNamedWhenWrong() {
        HeraldConfig c = withCap(null, null);
        c.apps.get(0).quietHours = new QuietHoursSpec();
        c.apps.get(0).quietHours.from = "22:00";
        assertThatThrownBy(c::check).hasMessage("apps.news.quietHours.to is missing: a time of day such as \"22:00\"");
        c.apps.get(0).quietHours.to = "08:00";
        c.check();
        assertThat(c.quietHours()).containsKey("news");
    }

    @Test
    void seedsAreBoundedAndATestSendNeedsThem() {
        HeraldConfig c = withCap(null, null);
        c.apps.get(0).requireTestSend = true;
        assertThatThrownBy(c::check)
                .hasMessage("apps.news.requireTestSend needs seeds: a test send goes to the app's seeds");
        c.apps.get(0).seeds = new ArrayList<>(Collections.nCopies(101, "u"));
        assertThatThrownBy(c::check)
                .hasMessage("apps.news.seeds: at most 100 user ids, none blank, none twice (has 101)");
        c.apps.get(0).seeds = List.of("ana", "ana");
        assertThatThrownBy(c::check).hasMessageContaining("none twice (has 2)");
        c.apps.get(0).seeds = List.of("ana", "bob");
        c.check();
        assertThat(c.seeds()).containsEntry("news", List.of("ana", "bob"));
        assertThat(c.requireTestSendApps()).containsExactly("news");
    }

    @Test
    void aWebPushBlockIsCheckedNamedByItsApp_andAnAppMayHaveItAlone() {
        HeraldConfig c = withCap(null, null);
        HeraldConfig.App app = c.apps.get(0);
        app.apns = null;
        assertThatThrownBy(c::check).hasMessage("apps.news: none of apns, fcm and webPush is configured");
        app.webPush = new WebPushApp();
        app.webPush.vapidPrivateKeyFile = "/var/secrets/vapid";
        assertThatThrownBy(c::check).hasMessage("apps.news.webPush.vapidPublicKey is missing");
        app.webPush.vapidPublicKey = "BEl62iUY";
        app.webPush.subject = "push@example.com";
        assertThatThrownBy(c::check).hasMessage("apps.news.webPush.subject must be a mailto: or https: URL (RFC 8292)");
        app.webPush.subject = "mailto:push@example.com";
        c.check();
        assertThat(c.webPushApps())
                .singleElement()
                .satisfies(w -> assertThat(w.appId).isEqualTo("news"));
        assertThat(c.apnsApps()).isEmpty();
        c.delivery.webPushConnections = 0;
        assertThatThrownBy(c::check).hasMessageContaining("webPushConnections must be positive");
    }
}
