package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Audience;
import io.herald.model.Campaign;
import io.herald.model.Content;
import io.herald.model.Message;
import io.herald.model.Schedule;
import java.util.Map;
import java.util.Set;
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
}
