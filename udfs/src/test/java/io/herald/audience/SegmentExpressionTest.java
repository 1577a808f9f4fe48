package io.herald.audience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.model.AttributeValue;
import io.herald.model.Audience;
import io.herald.model.Campaign;
import io.herald.model.DeviceRecord;
import io.herald.model.Platform;
import io.herald.model.UserProfile;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SegmentExpressionTest {
    private static final long NOW = 1_800_000_000_000L;

    private static DeviceRecord device(Platform platform, String appVersion, long lastSeen, String... tags) {
        DeviceRecord d = new DeviceRecord();
        d.platform = platform;
        d.appVersion = appVersion;
        d.locale = "pt-BR";
        d.lastSeen = lastSeen;
        for (String t : tags) {
            d.tags.computeIfAbsent(t, n -> new DeviceRecord.TagVersions()).addV = 1;
        }
        return d;
    }

    private static UserProfile user(int streak) {
        UserProfile u = new UserProfile();
        u.attributes.put("streak", AttributeValue.of(streak, 1));
        u.attributes.put(
                "joined", AttributeValue.timestamp(NOW - Duration.ofDays(400).toMillis(), 1));
        return u;
    }

    @Test
    void platformsTagsVersionsAndTimeArithmetic() {
        SegmentExpression e = SegmentExpression.compile("platform == 'ios' && 'sports' in tags"
                + " && semver(app_version) >= semver('5.2.0') && now - last_seen < duration('168h')");
        long recently = NOW - Duration.ofDays(2).toMillis();
        assertThat(e.matches(device(Platform.IOS, "5.10.1", recently, "sports"), user(1), NOW))
                .isTrue();
        assertThat(e.matches(device(Platform.IOS, "5.1.9", recently, "sports"), user(1), NOW))
                .isFalse();
        assertThat(e.matches(device(Platform.ANDROID, "6.0.0", recently, "sports"), user(1), NOW))
                .isFalse();
        assertThat(e.matches(
                        device(Platform.IOS, "6.0.0", NOW - Duration.ofDays(8).toMillis(), "sports"), user(1), NOW))
                .isFalse();
        assertThat(e.matches(device(Platform.IOS, "6.0.0", recently), user(1), NOW))
                .isFalse();
    }

    @Test
    void attributesOfEveryType() {
        SegmentExpression e = SegmentExpression.compile(
                "attributes.streak > 3 && now - attributes.joined > duration('8760h') && locale.startsWith('pt')");
        DeviceRecord d = device(Platform.ANDROID, "1.0.0", NOW);
        assertThat(e.matches(d, user(5), NOW)).isTrue();
        assertThat(e.matches(d, user(2), NOW)).isFalse();
    }

    @Test
    void wholeAndFractionalNumbersCompareWithIntAndDoubleLiterals() {
        DeviceRecord d = device(Platform.ANDROID, "1.0.0", NOW);
        UserProfile whole = user(5);
        UserProfile fractional = new UserProfile();
        fractional.attributes.put("streak", AttributeValue.of(4.5, 1));
        for (String e : new String[] {"attributes.streak > 3.0", "attributes.streak > 3", "attributes.streak >= 4"}) {
            assertThat(SegmentExpression.compile(e).matches(d, whole, NOW))
                    .as("%s for 5", e)
                    .isTrue();
            assertThat(SegmentExpression.compile(e).matches(d, fractional, NOW))
                    .as("%s for 4.5", e)
                    .isTrue();
        }
        assertThat(SegmentExpression.compile("attributes.streak < 4.6").matches(d, whole, NOW))
                .isFalse();
        assertThat(SegmentExpression.compile("attributes.streak == 5.0").matches(d, whole, NOW))
                .isTrue();
    }

    @Test
    void aDeviceWithoutTheAttributeDoesNotMatch() {
        SegmentExpression e = SegmentExpression.compile("attributes.plan == 'pro'");
        assertThat(e.matches(device(Platform.IOS, "1.0.0", NOW), user(1), NOW)).isFalse();
    }

    @Test
    void celsStandardMacrosWork_hasAllExistsMapFilter() {
        UserProfile pro = user(1);
        pro.attributes.put("plan", AttributeValue.of("pro", 1));
        DeviceRecord beta = device(Platform.IOS, "1.0.0", NOW, "beta-ios", "sports");
        DeviceRecord plain = device(Platform.IOS, "1.0.0", NOW, "sports");
        SegmentExpression has = SegmentExpression.compile("has(attributes.plan)");
        assertThat(has.matches(plain, pro, NOW)).isTrue();
        assertThat(has.matches(plain, user(1), NOW)).isFalse();
        SegmentExpression exists = SegmentExpression.compile("tags.exists(t, t.startsWith('beta'))");
        assertThat(exists.matches(beta, user(1), NOW)).isTrue();
        assertThat(exists.matches(plain, user(1), NOW)).isFalse();
        SegmentExpression all = SegmentExpression.compile("tags.all(t, t != 'churned')");
        assertThat(all.matches(beta, user(1), NOW)).isTrue();
        assertThat(all.matches(device(Platform.IOS, "1.0.0", NOW, "churned"), user(1), NOW))
                .isFalse();
        assertThat(SegmentExpression.compile("tags.exists_one(t, t == 'sports')")
                        .matches(beta, user(1), NOW))
                .isTrue();
        assertThat(SegmentExpression.compile("size(tags.filter(t, t.startsWith('beta'))) == 1")
                        .matches(beta, user(1), NOW))
                .isTrue();
        assertThat(SegmentExpression.compile("'beta-ios!' in tags.map(t, t + '!')")
                        .matches(beta, user(1), NOW))
                .isTrue();
        assertThat(SegmentExpression.compile("attributes.exists(k, k == 'plan')")
                        .matches(plain, pro, NOW))
                .isTrue();
    }

    @Test
    void aVerdictOfHasTellsAUserWithTheAttributeFromOneWithout() {
        SegmentExpression has = SegmentExpression.compile("has(attributes.plan)");
        UserProfile pro = user(1);
        pro.attributes.put("plan", AttributeValue.of("pro", 1));
        DeviceRecord d = device(Platform.IOS, "1.0.0", NOW);
        assertThat(has.verdictKey(d, SegmentExpression.values(pro)))
                .isNotEqualTo(has.verdictKey(d, SegmentExpression.values(user(1))));
        SegmentExpression anyKey = SegmentExpression.compile("attributes.exists(k, k.startsWith('p'))");
        assertThat(anyKey.verdictKey(d, SegmentExpression.values(pro)))
                .as("a comprehension over the map reads it whole")
                .isNotEqualTo(anyKey.verdictKey(d, SegmentExpression.values(user(1))));
    }

    @Test
    void mistakesAreRefusedWithTheirPosition() {
        assertThatThrownBy(() -> SegmentExpression.compile("platfrom == 'ios'"))
                .hasMessageContaining("undeclared reference to 'platfrom'")
                .hasMessageContaining("1:1");
        assertThatThrownBy(() -> SegmentExpression.compile("platform == 3"))
                .hasMessageContaining("found no matching overload");
        assertThatThrownBy(() -> SegmentExpression.compile("platform")).hasMessageContaining("bool");
        assertThatThrownBy(() -> SegmentExpression.compile("platform == 'ios' &&"))
                .hasMessageContaining("1:");
    }

    @Test
    void semverRanksVersions() {
        assertThat(SegmentExpression.semverRank("5.10.0")).isGreaterThan(SegmentExpression.semverRank("5.9.9"));
        assertThat(SegmentExpression.semverRank("5.2")).isEqualTo(SegmentExpression.semverRank("5.2.0"));
        assertThat(SegmentExpression.semverRank("5.2.0-beta.1")).isEqualTo(SegmentExpression.semverRank("5.2.0"));
        assertThat(SegmentExpression.semverRank("banana")).isEqualTo(-1);
    }

    @Test
    void aVerdictsKeyHoldsWhatTheExpressionReads_andNothingElse() {
        SegmentExpression e = SegmentExpression.compile(
                "opt_in && (attributes.streak > 3.0 || 'new' in tags) && locale != 'ja-JP' && attributes['plan'] != 'x'");
        DeviceRecord a = device(Platform.IOS, "1.0.0", NOW, "new", "sports");
        DeviceRecord b =
                device(Platform.ANDROID, "9.9.9", NOW - 5, "sports", "new"); // differs in what it does not read
        SegmentExpression.UserValues attrs = SegmentExpression.values(user(5));
        assertThat(e.verdictKey(a, attrs)).isEqualTo(e.verdictKey(b, attrs));
        attrs.attributes().put("unread", "anything");
        assertThat(e.verdictKey(a, attrs)).isEqualTo(e.verdictKey(b, SegmentExpression.values(user(5))));
        assertThat(e.verdictKey(a, SegmentExpression.values(user(2)))).isNotEqualTo(e.verdictKey(a, attrs));
        b.locale = "ja-JP";
        assertThat(e.verdictKey(b, attrs)).isNotEqualTo(e.verdictKey(a, attrs));

        SegmentExpression whole = SegmentExpression.compile("size(attributes) > 1");
        assertThat(whole.verdictKey(a, attrs)).isNotEqualTo(whole.verdictKey(a, SegmentExpression.values(user(5))));
        assertThat(SegmentExpression.compile("now - last_seen < duration('1h')").verdictKey(a, attrs))
                .isNull();
    }

    @Test
    void rememberedVerdictsAreTheVerdicts_overManyDevicesAndUsers() {
        Campaign c = new Campaign();
        c.campaignId = "c";
        c.appId = "app";
        c.audience = new Audience();
        c.audience.kind = Audience.Kind.SEGMENT;
        c.audience.expression = "opt_in && (attributes.streak > 3.0 || 'new' in tags) && locale != 'ja-JP'"
                + " && (platform == 'ios' || semver(app_version) >= semver('2.0.0'))";
        AudienceFilter filter = new AudienceFilter(c, NOW);
        SegmentExpression direct = SegmentExpression.compile(c.audience.expression);
        Random random = new Random(7);
        String[] locales = {"pt-BR", "ja-JP", "en", "de"};
        String[] versions = {"1.0.0", "2.0.0", "2.1.0", "bad"};
        int matched = 0;
        for (int i = 0; i < 20_000; i++) {
            UserProfile u = user(random.nextInt(8));
            DeviceRecord d = random.nextBoolean()
                    ? device(Platform.IOS, versions[random.nextInt(4)], NOW, "new")
                    : device(Platform.ANDROID, versions[random.nextInt(4)], NOW, random.nextBoolean() ? "old" : "new");
            d.appId = "app";
            d.locale = locales[random.nextInt(4)];
            d.optIn = random.nextInt(5) == 0 ? Boolean.FALSE : null;
            boolean expected = direct.matches(d, u, NOW);
            assertThat(filter.includesDevice(d, u)).as("device %d", i).isEqualTo(expected);
            matched += expected ? 1 : 0;
        }
        assertThat(matched).isBetween(2_000, 18_000);
    }

    @Test
    void aSegmentReadsTheUsersLastOpenAndAppEvents() {
        DeviceRecord d = device(Platform.IOS, "1.0.0", NOW);
        SegmentExpression openedThisWeek = SegmentExpression.compile("now - last_opened < duration('168h')");
        SegmentExpression boughtThisMonth =
                SegmentExpression.compile("has(events.purchase) && now - events.purchase < duration('720h')");
        SegmentExpression neverBought = SegmentExpression.compile("!('purchase' in events)");
        UserProfile idle = user(1);
        assertThat(openedThisWeek.matches(d, idle, NOW)).as("never opened").isFalse();
        assertThat(boughtThisMonth.matches(d, idle, NOW)).isFalse();
        assertThat(neverBought.matches(d, idle, NOW)).isTrue();
        UserProfile active = user(1);
        active.lastOpenedAt = NOW - Duration.ofDays(2).toMillis();
        active.lastEvents.put("purchase", NOW - Duration.ofDays(40).toMillis());
        assertThat(openedThisWeek.matches(d, active, NOW)).isTrue();
        assertThat(boughtThisMonth.matches(d, active, NOW)).as("40 days ago").isFalse();
        assertThat(neverBought.matches(d, active, NOW)).isFalse();
        active.lastEvents.put("purchase", NOW - Duration.ofDays(3).toMillis());
        assertThat(boughtThisMonth.matches(d, active, NOW)).isTrue();
        // A user's activity is read per user, not remembered by what the devices share.
        assertThat(openedThisWeek.verdictKey(d, SegmentExpression.values(active)))
                .isNull();
    }

    @Test
    void browsersAreThePlatformWeb() {
        SegmentExpression web = SegmentExpression.compile("platform == 'web'");
        assertThat(web.matches(device(Platform.WEB, null, NOW), user(1), NOW)).isTrue();
        assertThat(web.matches(device(Platform.IOS, null, NOW), user(1), NOW)).isFalse();
        assertThat(SegmentExpression.compile("platform != 'web'")
                        .matches(device(Platform.ANDROID, null, NOW), user(1), NOW))
                .isTrue();
    }
}
