package io.herald.personalise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.model.AttributeValue;
import io.herald.model.Content;
import io.herald.model.Message;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CompiledMessageTest {
    private static Message message() {
        Message m = new Message();
        m.defaultLocale = "en";
        m.defaults = Map.of("name", "friend", "streak", "0");
        m.variants = Map.of(
                "en", new Content("Hi {name}", "{streak, plural, one {# day} other {# days}}"),
                "pt", new Content("Olá {name}", "{streak, plural, one {# dia} other {# dias}}"),
                "pt-BR", new Content("Oi {name}", "{streak, plural, one {# dia} other {# dias}}"));
        return m;
    }

    private static Map<String, AttributeValue> attrs(String name, int streak) {
        return name == null
                ? Map.of("streak", AttributeValue.of(streak, 1))
                : Map.of("name", AttributeValue.of(name, 1), "streak", AttributeValue.of(streak, 1));
    }

    @Test
    void fallsBackFromRegionToLanguageToDefault() {
        CompiledMessage m = CompiledMessage.compile(message());
        assertThat(m.render("pt-BR", attrs("Ana", 2)).title).isEqualTo("Oi Ana");
        assertThat(m.render("pt-PT", attrs("Ana", 2)).title).isEqualTo("Olá Ana");
        assertThat(m.render("ja-JP", attrs("Ana", 2)).title).isEqualTo("Hi Ana");
        assertThat(m.render(null, attrs("Ana", 2)).title).isEqualTo("Hi Ana");
    }

    @Test
    void pluralsFollowTheLanguage() {
        CompiledMessage m = CompiledMessage.compile(message());
        assertThat(m.render("en-US", attrs("Ana", 1)).body).isEqualTo("1 day");
        assertThat(m.render("en-US", attrs("Ana", 5)).body).isEqualTo("5 days");
        assertThat(m.render("pt-BR", attrs("Ana", 1)).body).isEqualTo("1 dia");
        // CLDR: Brazilian Portuguese counts 0 as "one", European Portuguese does not; one pt text serves both.
        assertThat(m.render("pt-BR", attrs("Ana", 0)).body).isEqualTo("0 dia");
        assertThat(m.render("pt-PT", attrs("Ana", 0)).body).isEqualTo("0 dias");
        assertThat(m.render("pt-PT", attrs("Ana", 1)).body).isEqualTo("1 dia");
    }

    @Test
    void aMissingAttributeTakesItsDefault() {
        assertThat(CompiledMessage.compile(message()).render("en", attrs(null, 3)).title)
                .isEqualTo("Hi friend");
    }

    @Test
    void anAttributeWithoutADefaultIsRefused() {
        Message m = message();
        m.defaults = Map.of("name", "friend");
        assertThatThrownBy(() -> CompiledMessage.compile(m))
                .hasMessageContaining("uses {streak}, which has no default in message.defaults");
    }

    @Test
    void aDefaultThatCannotFillItsTemplateIsRefused() {
        Message m = message();
        m.defaults = Map.of("name", "friend", "streak", "many");
        assertThatThrownBy(() -> CompiledMessage.compile(m))
                .hasMessageContaining("cannot be rendered with message.defaults");
    }

    @Test
    void aRemovedAttributeLeavesItsDefault() {
        assertThat(CompiledMessage.compile(message())
                        .render("en", Map.of("name", AttributeValue.tombstone(2), "streak", AttributeValue.of(1, 1)))
                        .title)
                .isEqualTo("Hi friend");
    }

    @Test
    void aNumericDefaultServesPlurals() {
        assertThat(CompiledMessage.compile(message()).render("en", Map.of()).body)
                .isEqualTo("0 days");
    }

    @Test
    void anInvalidTemplateIsRefusedNamingWhere() {
        Message m = message();
        m.variants = Map.of("en", new Content("Hi {name", "x"));
        assertThatThrownBy(() -> CompiledMessage.compile(m)).hasMessageContaining("message.variants.en.title");
    }

    @Test
    void theDefaultLocaleMustHaveAVariant() {
        Message m = message();
        m.defaultLocale = "de";
        assertThatThrownBy(() -> CompiledMessage.compile(m)).hasMessageContaining("defaultLocale 'de' has no variant");
    }

    @Test
    void aRenderingIsRememberedByVariantAndArgumentValues() {
        CompiledMessage m = CompiledMessage.compile(message());
        CompiledMessage.Rendered first = m.render("en-US", attrs("Ana", 2));
        assertThat(m.render("en-US", attrs("Ana", 2))).isSameAs(first);
        assertThat(m.render("en-US", attrs("Ana", 3)).body).isEqualTo("3 days");
        assertThat(m.render("en-US", attrs("Bo", 2)).title).isEqualTo("Hi Bo");
        // Same values, another device locale: plural rules can differ, so another rendering.
        assertThat(m.render("pt-BR", attrs("Ana", 0)).body).isEqualTo("0 dia");
        assertThat(m.render("pt-PT", attrs("Ana", 0)).body).isEqualTo("0 dias");
    }

    @Test
    void argumentsNestedInASelectCountForRememberingAndNeedDefaults() {
        Message m = message();
        m.defaults = Map.of("gender", "other", "streak", "0", "name", "friend");
        m.variants = Map.of(
                "en",
                new Content(
                        null,
                        "{gender, select, female {She is on {streak, plural, one {# day} other {# days}}}"
                                + " other {They are on {streak, plural, one {# day} other {# days}}}}"));
        CompiledMessage c = CompiledMessage.compile(m);
        Map<String, AttributeValue> one =
                Map.of("gender", AttributeValue.of("female", 1), "streak", AttributeValue.of(1, 1));
        Map<String, AttributeValue> five =
                Map.of("gender", AttributeValue.of("female", 1), "streak", AttributeValue.of(5, 1));
        assertThat(c.render("en", one).body).isEqualTo("She is on 1 day");
        assertThat(c.render("en", five).body).isEqualTo("She is on 5 days");

        m.defaults = Map.of("gender", "other");
        assertThatThrownBy(() -> CompiledMessage.compile(m))
                .hasMessageContaining("uses {streak}, which has no default in message.defaults");
    }
}
