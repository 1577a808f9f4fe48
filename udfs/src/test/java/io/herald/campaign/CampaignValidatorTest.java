package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Arm;
import io.herald.model.Audience;
import io.herald.model.Campaign;
import io.herald.model.Content;
import io.herald.model.Conversion;
import io.herald.model.Message;
import io.herald.model.Schedule;
import io.herald.model.WinnerTest;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class CampaignValidatorTest {
    private final CampaignValidator validator = new CampaignValidator(Set.of("news"));

    private static Campaign valid() {
        Campaign c = new Campaign();
        c.campaignId = "c1";
        c.appId = "news";
        c.audience = Audience.all();
        c.message = new Message();
        c.message.defaultLocale = "en";
        c.message.variants = Map.of("en", new Content("Hi", "Body {name}"));
        c.message.defaults = Map.of("name", "friend");
        return c;
    }

    @Test
    void aGoodCampaignHasNoProblems() {
        assertThat(validator.problems(valid())).isEmpty();
    }

    @Test
    void anUnknownAppIsRefused() {
        Campaign c = valid();
        c.appId = "other";
        assertThat(validator.problems(c)).containsExactly("appId 'other' is not configured in this deployment");
    }

    @Test
    void aPayloadThatCannotFitEvenWithDefaultsIsRefusedWhole() {
        Campaign c = valid();
        c.message.variants =
                Map.of("en", new Content("Hi", "Body {name}"), "de", new Content("Hallo", "ü".repeat(2100)));
        assertThat(validator.problems(c))
                .hasSize(2)
                .allSatisfy(p ->
                        assertThat(p).startsWith("message.variants.de makes a ").contains("over the 4096-byte limit"));
        // 2,100 two-byte characters fit 4 KB counted in chars, but not in UTF-8 bytes; 1,800 fit both ways.
        c.message.variants =
                Map.of("en", new Content("Hi", "Body {name}"), "de", new Content("Hallo", "ü".repeat(1800)));
        assertThat(validator.problems(c)).isEmpty();
    }

    @Test
    void aRateLimitBelowOneIsRefused() {
        Campaign c = valid();
        c.maxPerSecond = 0;
        assertThat(validator.problems(c))
                .containsExactly("maxPerSecond must be at least 1 (leave it out for no limit)");
        c.maxPerSecond = 500;
        assertThat(validator.problems(c)).isEmpty();
    }

    @Test
    void aScheduleNeedsItsTimeBeforeTheCampaignExpires_aSpreadIsAnIsoDurationUpToAWeek() {
        Campaign c = valid();
        c.schedule = new Schedule();
        assertThat(validator.problems(c))
                .containsExactly("schedule.at is missing: the time to fire at, in epoch milliseconds (or localTime)");
        c.schedule.at = 2_000L;
        c.expiresAt = 2_000L;
        assertThat(validator.problems(c))
                .containsExactly("schedule.at is not before expiresAt: the campaign would expire before it starts");
        c.expiresAt = 3_000L;
        assertThat(validator.problems(c)).isEmpty();
        c.spreadOver = "2 hours";
        assertThat(validator.problems(c))
                .containsExactly("spreadOver is not an ISO-8601 duration (such as \"PT2H\" or \"PT30M\")");
        c.spreadOver = "PT0S";
        assertThat(validator.problems(c)).singleElement().asString().startsWith("spreadOver must be longer than zero");
        c.spreadOver = "P8D";
        assertThat(validator.problems(c)).singleElement().asString().contains("at most 7 days");
        c.spreadOver = "PT2H";
        assertThat(validator.problems(c)).isEmpty();
        assertThat(c.spreadOverMillis()).isEqualTo(7_200_000L);
    }

    @Test
    void aBrokenTemplateIsRefused() {
        Campaign c = valid();
        c.message.variants = Map.of("en", new Content("Hi", "{streak, plural, one {# day}"));
        assertThat(validator.problems(c)).singleElement().asString().contains("message.variants.en.body");
    }

    @Test
    void aSegmentExpressionThatDoesNotCompileIsRefusedWithItsPosition() {
        Campaign c = valid();
        c.audience = new Audience();
        c.audience.kind = Audience.Kind.SEGMENT;
        c.audience.expression = "platform == 'ios' && lastseen > 3";
        assertThat(validator.problems(c))
                .singleElement()
                .asString()
                .startsWith("audience.expression does not compile:")
                .contains("undeclared reference to 'lastseen'")
                .contains("1:22");
    }

    @Test
    void aSegmentThatNarrowsNothingIsRefused() {
        Campaign c = valid();
        c.audience = new Audience();
        c.audience.kind = Audience.Kind.SEGMENT;
        assertThat(validator.problems(c)).singleElement().asString().contains("segment");
    }

    @Test
    void anAudienceIsStatedNeverAssumed() {
        Campaign none = valid();
        none.audience = null;
        assertThat(validator.problems(none)).singleElement().asString().startsWith("audience is missing");
        Campaign empty = valid();
        empty.audience = new Audience();
        assertThat(validator.problems(empty)).singleElement().asString().startsWith("audience.kind is missing");
    }

    private static Arm arm(String name, Integer weight, String body) {
        Arm a = new Arm();
        a.name = name;
        a.weight = weight;
        a.message = new Message();
        a.message.defaultLocale = "en";
        // Sorted: the first of its problems is found in English whatever the run.
        a.message.variants = new TreeMap<>(Map.of("en", new Content("Hi", body), "fr", new Content("Salut", body)));
        a.message.defaults = Map.of("name", "friend");
        return a;
    }

    private static Campaign withArms(Arm... arms) {
        Campaign c = valid();
        c.message = null;
        c.arms = List.of(arms);
        return c;
    }

    @Test
    void armsWithTheSameLocalesAndDefaultsAndAHoldoutAreAccepted() {
        Campaign c = withArms(arm("plain", null, "Sale {name}"), arm("emoji", 3, "🔥 Sale {name}"));
        c.holdout = 0.1;
        assertThat(validator.problems(c)).isEmpty();
        Campaign holdoutAlone = valid();
        holdoutAlone.holdout = 0.5;
        assertThat(validator.problems(holdoutAlone)).isEmpty();
    }

    @Test
    void eachArmsMessageIsCheckedWhereItIs() {
        Campaign c = withArms(arm("a", null, "Sale {name}"), arm("b", null, "Sale {nom}"), arm("c", null, "{oops"));
        assertThat(validator.problems(c))
                .containsExactlyInAnyOrder(
                        "arms[1].message.variants.en uses {nom}, which has no default in arms[1].message.defaults",
                        "arms[2].message.variants.en.body is not a valid ICU MessageFormat template: "
                                + "Unmatched '{' braces in message \"{oops\"");
    }

    @Test
    void armsMustBeTwoToTenNamedApartWeighedAndAlike() {
        assertThat(validator.problems(withArms(arm("a", null, "x"))))
                .containsExactly("arms must be 2 to 10 arms; there are 1 (leave arms out for one message)");
        Arm[] eleven = new Arm[11];
        for (int i = 0; i < 11; i++) {
            eleven[i] = arm("a" + i, null, "x");
        }
        assertThat(validator.problems(withArms(eleven)))
                .containsExactly("arms must be 2 to 10 arms; there are 11 (leave arms out for one message)");
        assertThat(validator.problems(withArms(arm("a", null, "x"), arm("a", 0, "y"), arm("b c", 1001, "z"))))
                .containsExactlyInAnyOrder(
                        "arms[1].name 'a' is the name of an earlier arm too",
                        "arms[1].weight must be between 1 and 1000 (leave it out for 1); it is 0",
                        "arms[2].name must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit",
                        "arms[2].weight must be between 1 and 1000 (leave it out for 1); it is 1001");
        Arm german = arm("de", null, "x");
        german.message.variants = Map.of("en", new Content("Hi", "x"), "de", new Content("Hallo", "x"));
        Arm otherDefaults = arm("d", null, "x");
        otherDefaults.message.defaults = Map.of("name", "pal");
        Arm noMessage = arm("none", null, "x");
        noMessage.message = null;
        assertThat(validator.problems(withArms(arm("a", null, "x"), german, otherDefaults, noMessage)))
                .containsExactly(
                        "arms[1].message has other locales, defaultLocale or defaults than the first arm's: every arm"
                                + " has the campaign's locales [en, fr], default locale and defaults, and differs in its texts",
                        "arms[2].message has other locales, defaultLocale or defaults than the first arm's: every arm"
                                + " has the campaign's locales [en, fr], default locale and defaults, and differs in its texts",
                        "arms[3].message is missing");
    }

    @Test
    void aMessageBesideArmsAndAHoldoutOutOfRangeAreRefused() {
        Campaign c = withArms(arm("a", null, "x"), arm("b", null, "y"));
        c.message = valid().message;
        c.holdout = 0.6;
        assertThat(validator.problems(c))
                .containsExactly(
                        "message is given beside arms: with arms, each arm has its message, and the campaign none",
                        "holdout must be a share from 0 to 0.5 of the audience's users (0.1 holds out one in ten); it is 0.6");
        Campaign nan = valid();
        nan.holdout = Double.NaN;
        assertThat(validator.problems(nan)).singleElement().asString().startsWith("holdout must be");
    }

    @Test
    void aConversionNamesAnEventAndAWindowFromAMinuteToThirtyDays() {
        Campaign c = valid();
        c.conversion = new Conversion();
        c.conversion.event = "purchase";
        c.conversion.within = "PT24H";
        assertThat(validator.problems(c)).isEmpty();
        c.conversion.event = "a purchase";
        c.conversion.within = "P31D";
        assertThat(validator.problems(c))
                .containsExactly(
                        "conversion.event must be an app event's name: 1 to 64 letters, digits, '_', '.', ':' or '-'",
                        "conversion.within must be from 1 minute to 30 days; it is P31D");
        c.conversion.event = null;
        c.conversion.within = "soon";
        assertThat(validator.problems(c))
                .containsExactly(
                        "conversion.event must be an app event's name: 1 to 64 letters, digits, '_', '.', ':' or '-';"
                                + " it is missing",
                        "conversion.within is not an ISO-8601 duration (such as \"PT24H\" or \"P7D\")");
    }

    @Test
    void aTestNeedsArmsAShareATimeAndAFallbackAmongTheArms() {
        Campaign c = withArms(arm("a", null, "x"), arm("b", null, "y"));
        c.test = new WinnerTest();
        c.test.share = 0.2;
        c.test.decideAfter = "PT2H";
        c.test.fallback = "a";
        assertThat(validator.problems(c)).isEmpty();
        c.test.share = 0.95;
        c.test.decideAfter = "PT5S";
        c.test.confidence = 0.5;
        c.test.minUsers = 0L;
        c.test.fallback = "z";
        assertThat(validator.problems(c))
                .containsExactly(
                        "test.share must be above 0 and at most 0.9 (0.2 tests the arms on a fifth of the users); it is 0.95",
                        "test.decideAfter must be from 10 seconds to 7 days; it is PT5S",
                        "test.confidence must be from 0.8 to 0.999 (leave it out for 0.95); it is 0.5",
                        "test.minUsers must be at least 1 (leave it out for 100); it is 0",
                        "test.fallback must name one of the arms (leave it out to send the rest nothing)");
        Campaign plain = valid();
        plain.test = new WinnerTest();
        plain.test.share = 0.2;
        plain.test.decideAfter = "PT2H";
        assertThat(validator.problems(plain))
                .containsExactly(
                        "test needs arms: it tests them on a share of the users and sends the winner to the rest");
    }
}
