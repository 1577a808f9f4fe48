package io.herald.json;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Audience;
import io.herald.model.CampaignEvent;
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
    void parsesAFire() {
        assertThat(parse("{\"type\":\"fire\",\"campaignId\":\"c1\"}").value().type).isEqualTo(CampaignEvent.Type.FIRE);
    }

    @Test
    void parsesATransactionalSendNamedByItsRecordWhenNoSendIdIsGiven() {
        CampaignEvent e = parse("{\"type\":\"send\",\"campaignId\":\"c1\",\"userId\":\"u1\"}").value();
        assertThat(e.type).isEqualTo(CampaignEvent.Type.SEND);
        assertThat(e.userId).isEqualTo("u1");
        assertThat(e.sendId).isEqualTo("0-0");
        assertThat(parse("{\"type\":\"send\",\"campaignId\":\"c1\",\"userId\":\"u1\",\"sendId\":\"order-9\"}")
                .value().sendId).isEqualTo("order-9");
        assertThat(parse("{\"type\":\"send\",\"campaignId\":\"c1\"}").error()).isEqualTo("send without userId");
    }

    @Test
    void refusesUnknownFieldsAndMissingIds() {
        assertThat(parse("{\"type\":\"create\",\"campaignId\":\"c1\",\"appId\":\"a\",\"audiance\":{}}").error())
                .contains("campaign is malformed").contains("audiance");
        assertThat(parse("{\"type\":\"fire\"}").error()).isEqualTo("campaignId is missing");
    }
}
