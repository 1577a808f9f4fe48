package io.herald.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Audience;
import io.herald.model.CampaignEvent;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.RawRecord;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CampaignEventCodecTest {
    private final CampaignEventCodec codec = new CampaignEventCodec();

    private Parsed<CampaignEvent> parse(String json) {
        return codec.parse(new RawRecord("campaigns", 0, 0, 1234, json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void parsesACreateWithItsCampaign() {
        Parsed<CampaignEvent> p = parse("{\"type\":\"create\",\"campaignId\":\"c1\",\"appId\":\"news\","
                + "\"audience\":{\"kind\":\"segment\",\"platforms\":[\"ios\"]},"
                + "\"message\":{\"defaultLocale\":\"en\",\"variants\":{\"en\":{\"title\":\"T\",\"body\":\"B\"}}}}");
        assertThat(p.error()).isNull();
        assertThat(p.value().type).isEqualTo(CampaignEvent.Type.CREATE);
        assertThat(p.value().timestamp).isEqualTo(1234);
        assertThat(p.value().campaign.audience.kind).isEqualTo(Audience.Kind.SEGMENT);
        assertThat(p.value().campaign.audience.platforms).containsExactly(Platform.IOS);
        assertThat(p.value().campaign.message.variants.get("en").body).isEqualTo("B");
    }

    @Test
    void aPauseOrResumeNamesACampaignOrAWholeAppButNotBoth() {
        CampaignEvent campaign =
                parse("{\"type\":\"pause\",\"campaignId\":\"c1\"}").value();
        assertThat(campaign.type).isEqualTo(CampaignEvent.Type.PAUSE);
        assertThat(campaign.campaignId).isEqualTo("c1");
        assertThat(campaign.appId).isNull();
        CampaignEvent app = parse("{\"type\":\"resume\",\"appId\":\"news\"}").value();
        assertThat(app.type).isEqualTo(CampaignEvent.Type.RESUME);
        assertThat(app.campaignId).isNull();
        assertThat(app.appId).isEqualTo("news");
        assertThat(parse("{\"type\":\"pause\"}").error())
                .isEqualTo("a pause names either a campaignId or an appId (a whole app), not neither");
        assertThat(parse("{\"type\":\"resume\",\"campaignId\":\"c1\",\"appId\":\"news\"}")
                        .error())
                .isEqualTo("a resume names either a campaignId or an appId (a whole app), not both");
        assertThat(parse("{\"type\":\"fire\",\"appId\":\"news\"}").error()).contains("campaignId");
    }

    @Test
    void parsesAFire() {
        assertThat(parse("{\"type\":\"fire\",\"campaignId\":\"c1\"}").value().type)
                .isEqualTo(CampaignEvent.Type.FIRE);
    }

    @Test
    void aRetryNamesItsOutcomes_andAnEstimateMayCountWhatItWouldReach() {
        CampaignEvent retry = parse("{\"type\":\"retry\",\"campaignId\":\"c1\",\"outcomes\":[\"failed\",\"expired\"]}")
                .value();
        assertThat(retry.outcomes).containsExactly(Outcome.FAILED, Outcome.EXPIRED);
        assertThat(parse("{\"type\":\"retry\",\"campaignId\":\"c1\"}").error()).isEqualTo("outcomes is missing");
        assertThat(parse("{\"type\":\"retry\",\"campaignId\":\"c1\",\"outcomes\":[]}")
                        .error())
                .contains("outcomes is empty");
        assertThat(parse("{\"type\":\"retry\",\"campaignId\":\"c1\",\"outcomes\":[\"delivered\"]}")
                        .error())
                .contains("outcomes holds 'delivered'");
        assertThat(parse("{\"type\":\"estimate\",\"campaignId\":\"c1\"}").value().outcomes)
                .isNull();
        assertThat(parse("{\"type\":\"estimate\",\"campaignId\":\"c1\",\"outcomes\":[\"cancelled\"]}")
                        .value()
                        .outcomes)
                .containsExactly(Outcome.CANCELLED);
    }

    @Test
    void unconfirmedIsSentAgainOnlyWhenARetryNamesIt() {
        CampaignEvent asked = parse(
                        "{\"type\":\"retry\",\"campaignId\":\"c1\",\"outcomes\":[\"failed\",\"unconfirmed\"]}")
                .value();
        assertThat(asked.outcomes).containsExactly(Outcome.FAILED, Outcome.UNCONFIRMED);
        assertThat(parse("{\"type\":\"retry\",\"campaignId\":\"c1\",\"outcomes\":[\"failed\"]}")
                        .value()
                        .outcomes)
                .doesNotContain(Outcome.UNCONFIRMED);
        assertThat(parse("{\"type\":\"estimate\",\"campaignId\":\"c1\",\"outcomes\":[\"unconfirmed\"]}")
                        .value()
                        .outcomes)
                .containsExactly(Outcome.UNCONFIRMED);
        assertThat(parse("{\"type\":\"retry\",\"campaignId\":\"c1\",\"outcomes\":[\"UNCONFIRMED\"]}")
                        .error())
                .contains("failed, expired, cancelled or unconfirmed");
    }

    @Test
    void parsesATransactionalSendNamedByItsRecordWhenNoSendIdIsGiven() {
        CampaignEvent e = parse("{\"type\":\"send\",\"campaignId\":\"c1\",\"userId\":\"u1\"}")
                .value();
        assertThat(e.type).isEqualTo(CampaignEvent.Type.SEND);
        assertThat(e.userId).isEqualTo("u1");
        assertThat(e.sendId).isEqualTo("0-0");
        assertThat(parse("{\"type\":\"send\",\"campaignId\":\"c1\",\"userId\":\"u1\",\"sendId\":\"order-9\"}")
                        .value()
                        .sendId)
                .isEqualTo("order-9");
        assertThat(parse("{\"type\":\"send\",\"campaignId\":\"c1\"}").error()).isEqualTo("userId is missing");
    }

    @Test
    void acceptsFieldsItDoesNotKnow_refusesValuesOfTheWrongTypeNamingTheField() {
        String head = "{\"type\":\"create\",\"campaignId\":\"c1\",\"appId\":\"a\",\"audience\":{\"kind\":\"all\"},";
        assertThat(parse(head + "\"message\":{\"defaultLocale\":\"en\"},\"addedLater\":1}")
                        .value()
                        .refusal)
                .isNull();
        assertThat(parse(head + "\"message\":{\"defaultLocale\":5}}").value().refusal)
                .startsWith("campaign is malformed: message.defaultLocale: Cannot coerce Integer value (5)");
        assertThat(parse(head + "\"maxPerSecond\":\"5\"}").value().refusal)
                .startsWith("campaign is malformed: maxPerSecond:");
        assertThat(parse(head + "\"audience\":null}").value().refusal).contains("audience");
        // Half a character anywhere in a campaign (a JSON escape can spell one; no payload holds it).
        assertThat(parse(head + "\"message\":{\"defaultLocale\":\"en\",\"variants\":{\"en\":"
                                + "{\"title\":\"Hi\",\"body\":\"go \\ud83d now\"}}}}")
                        .value()
                        .refusal)
                .isEqualTo("campaign is malformed: message.variants.en.body has half a character"
                        + " (a lone surrogate, U+D83D) at 3");
        assertThat(parse(head + "\"message\":{\"defaultLocale\":\"en\",\"data\":{\"k\\udc00\":\"v\"}}}")
                        .value()
                        .refusal)
                .isEqualTo("campaign is malformed: a field's name in message.data has half a character"
                        + " (a lone surrogate, U+DC00) at 1");
        assertThat(parse(head + "\"message\":{\"defaultLocale\":\"en\",\"sound\":\"\\ud83d\\ude00\"}}")
                        .value()
                        .refusal)
                .isNull();
        assertThat(parse("{\"type\":\"fire\"}").error()).isEqualTo("campaignId is missing");
        assertThat(parse("{\"type\":\"fire\",\"campaignId\":7}").error())
                .isEqualTo("campaignId is a whole number; it must be a string");
        assertThat(parse("{\"type\":\"fire\",\"campaignId\":\"a\\u0000b\"}").error())
                .isEqualTo("campaignId has a control character (U+0000) at 1");
        assertThat(parse("{\"type\":\"fire\",\"campaignId\":\"" + "x".repeat(257) + "\"}")
                        .error())
                .isEqualTo("campaignId is 257 bytes long, over the 256-byte limit");
        assertThat(parse("{\"type\":\"fire\",\"campaignId\":\"\"}").error()).isEqualTo("campaignId is empty");
        assertThat(parse("{\"type\":\"fire\",\"campaignId\":null}").error())
                .isEqualTo("campaignId is null; it must be a string");
    }
}
