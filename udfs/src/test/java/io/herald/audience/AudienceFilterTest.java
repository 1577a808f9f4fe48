package io.herald.audience;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Audience;
import io.herald.model.Campaign;
import io.herald.model.DeviceRecord;
import io.herald.model.Platform;
import io.herald.model.UserProfile;
import java.util.List;
import org.junit.jupiter.api.Test;

class AudienceFilterTest {
    private static Campaign campaign(Audience audience) {
        Campaign c = new Campaign();
        c.campaignId = "c1";
        c.appId = "news";
        c.audience = audience;
        return c;
    }

    private static DeviceRecord device(String app, Platform platform, String locale, String... tags) {
        DeviceRecord d = new DeviceRecord();
        d.appId = app;
        d.platform = platform;
        d.locale = locale;
        for (String t : tags) {
            d.tags.computeIfAbsent(t, n -> new DeviceRecord.TagVersions()).addV = 1;
        }
        return d;
    }

    @Test
    void allMeansEveryDeviceOfTheAppAndNoOther() {
        AudienceFilter f = new AudienceFilter(campaign(Audience.all()), 0);
        assertThat(f.includesDevice(device("news", Platform.IOS, "en"), new UserProfile()))
                .isTrue();
        assertThat(f.includesDevice(device("sports", Platform.IOS, "en"), new UserProfile()))
                .isFalse();
    }

    @Test
    void segmentNarrowsByPlatformLocalePrefixAndEveryTag() {
        Audience a = new Audience();
        a.kind = Audience.Kind.SEGMENT;
        a.platforms = List.of(Platform.ANDROID);
        a.locales = List.of("pt");
        a.tags = List.of("sports", "vip");
        AudienceFilter f = new AudienceFilter(campaign(a), 0);
        assertThat(f.includesDevice(device("news", Platform.ANDROID, "pt-BR", "sports", "vip", "x"), new UserProfile()))
                .isTrue();
        assertThat(f.includesDevice(device("news", Platform.IOS, "pt-BR", "sports", "vip"), new UserProfile()))
                .isFalse();
        assertThat(f.includesDevice(device("news", Platform.ANDROID, "es-ES", "sports", "vip"), new UserProfile()))
                .isFalse();
        assertThat(f.includesDevice(device("news", Platform.ANDROID, "pt", "sports"), new UserProfile()))
                .isFalse();
        assertThat(f.includesDevice(device("news", Platform.ANDROID, "ptx", "sports", "vip"), new UserProfile()))
                .isFalse();
    }

    @Test
    void testDevicesMeanOnlyThoseDevices() {
        Audience a = new Audience();
        a.deviceIds = List.of("team-phone");
        AudienceFilter f = new AudienceFilter(campaign(a), 0);
        DeviceRecord mine = device("news", Platform.IOS, "en");
        mine.deviceId = "team-phone";
        DeviceRecord other = device("news", Platform.IOS, "en");
        other.deviceId = "someone-else";
        assertThat(f.includesDevice(mine, new UserProfile())).isTrue();
        assertThat(f.includesDevice(other, new UserProfile())).isFalse();
    }

    @Test
    void listMeansOnlyUsersTheUploadedListNames() {
        Audience a = new Audience();
        a.kind = Audience.Kind.LIST;
        AudienceFilter f = new AudienceFilter(campaign(a), 0);
        UserProfile listed = new UserProfile();
        listed.audienceCampaigns.add("c1");
        UserProfile other = new UserProfile();
        other.audienceCampaigns.add("c2");
        assertThat(f.includesUser(listed)).isTrue();
        assertThat(f.includesUser(other)).isFalse();
    }
}
