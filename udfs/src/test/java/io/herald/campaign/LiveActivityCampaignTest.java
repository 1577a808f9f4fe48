package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.herald.model.AttributeValue;
import io.herald.model.Audience;
import io.herald.model.Campaign;
import io.herald.model.DeviceRecord;
import io.herald.model.LiveActivity;
import io.herald.model.Message;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import io.herald.model.UserProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LiveActivityCampaignTest {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            // As Herald's codecs read campaigns: a field read as a tree must not take the rest for trailing tokens.
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final long FIRED_AT = 1_765_000_000_000L;

    private static Campaign start(boolean broadcast) throws Exception {
        Campaign c = JSON.readValue("""
                {"campaignId": "kickoff", "appId": "news", "audience": {"kind": "all"},
                 "message": {"defaultLocale": "en", "variants": {"en": {"title": "Kick-off", "body": "{home} v {away}"},
                                                                   "de": {"title": "Anpfiff", "body": "{home} gegen {away}"}},
                             "defaults": {"home": "Home", "away": "Away", "goals": "0", "fan": "fan"}},
                 "liveActivity": {"event": "start", "activityType": "MatchAttributes", "activityId": "match-42",
                                  "attributes": {"home": "{home}", "away": "{away}"},
                                  "contentState": {"goals": "{goals}", "line": "Hi {fan}", "minute": 0},
                                  "broadcast": %s, "channelId": %s}}
                """.formatted(broadcast, broadcast ? "\"Y2hhbm5lbC0x\"" : "null"), Campaign.class);
        return c;
    }

    private static DeviceRecord phone(String id) {
        DeviceRecord d = new DeviceRecord();
        d.deviceId = id;
        d.appId = "news";
        d.platform = Platform.IOS;
        d.token = "device-token-" + id;
        d.tokenV = 1;
        d.registeredV = 1;
        d.locale = "de-DE";
        return d;
    }

    private static UserProfile user(long goals) {
        UserProfile p = new UserProfile();
        p.attributes.put("goals", AttributeValue.of(goals, 1));
        p.attributes.put("fan", AttributeValue.of("Ada", 1));
        return p;
    }

    @Test
    void aStartGoesToEachDevicesPushToStartTokenPersonalisedAndSubscribingToTheChannel() throws Exception {
        PreparedCampaign prepared = new PreparedCampaign(start(true), FIRED_AT);
        DeviceRecord withToken = phone("a");
        withToken.pushToStart.put("MatchAttributes", DeviceRecord.LiveActivityToken.of("abcd01", 5));
        DeviceRecord otherType = phone("b");
        otherType.pushToStart.put("RideAttributes", DeviceRecord.LiveActivityToken.of("abcd02", 5));
        DeviceRecord rejected = phone("c");
        rejected.pushToStart.put("MatchAttributes", DeviceRecord.LiveActivityToken.of("abcd03", 5));
        rejected.rejections.put("abcd03", 6L);
        List<SendRequest> out = new ArrayList<>();

        PreparedCampaign.FanOutCount count =
                prepared.fanOut("u1", user(3), List.of(withToken, otherType, rejected), out::add);

        assertThat(count.targeted).isEqualTo(1);
        assertThat(count.suppressed).isEqualTo(2);
        SendRequest r = out.get(0);
        assertThat(r.token).isEqualTo("abcd01");
        assertThat(r.tokenVersion).isEqualTo(5);
        assertThat(r.liveActivity).isTrue();
        assertThat(r.channelId).isNull();
        assertThat(r.priority).isEqualTo(10);
        assertThat(r.refusal).isNull();
        JsonNode aps = JSON.readTree(r.payload).get("aps");
        assertThat(aps.get("event").asText()).isEqualTo("start");
        assertThat(aps.get("timestamp").asLong()).isEqualTo(FIRED_AT / 1000);
        assertThat(aps.get("attributes-type").asText()).isEqualTo("MatchAttributes");
        assertThat(aps.get("attributes").get("heraldActivityId").asText()).isEqualTo("match-42");
        assertThat(aps.get("attributes").get("home").asText()).isEqualTo("Home");
        // A placeholder alone keeps the attribute's type; text is formatted in the device's locale.
        assertThat(aps.get("content-state").get("goals").isNumber()).isTrue();
        assertThat(aps.get("content-state").get("goals").asLong()).isEqualTo(3);
        assertThat(aps.get("content-state").get("line").asText()).isEqualTo("Hi Ada");
        assertThat(aps.get("content-state").get("minute").asInt()).isZero();
        assertThat(aps.get("alert").get("body").asText()).isEqualTo("Home gegen Away");
        assertThat(aps.get("input-push-channel").asText()).isEqualTo("Y2hhbm5lbC0x");
        assertThat(aps.has("input-push-token")).isFalse();
    }

    @Test
    void aStartWithoutBroadcastAsksForAnUpdateTokenInstead() throws Exception {
        DeviceRecord d = phone("a");
        d.pushToStart.put("MatchAttributes", DeviceRecord.LiveActivityToken.of("abcd01", 5));
        List<SendRequest> out = new ArrayList<>();
        new PreparedCampaign(start(false), FIRED_AT).fanOut("u1", user(0), List.of(d), out::add);
        JsonNode aps = JSON.readTree(out.get(0).payload).get("aps");
        assertThat(aps.get("input-push-token").asInt()).isEqualTo(1);
        assertThat(aps.has("input-push-channel")).isFalse();
    }

    private static Campaign update(boolean broadcast) throws Exception {
        return JSON.readValue(
                """
                {"campaignId": "goal-1", "appId": "news" %s,
                 "liveActivity": {"event": "update", "activityId": "match-42", "broadcast": %s,
                                  "contentState": {"goals": 1, "minute": 17}, "staleDate": 1765003600,
                                  "relevanceScore": 50}}
                """.formatted(broadcast ? "" : ", \"audience\": {\"kind\": \"all\"}", broadcast), Campaign.class);
    }

    @Test
    void anUpdateDeviceByDeviceGoesToTheActivitysUpdateTokenAtPriorityFive() throws Exception {
        DeviceRecord running = phone("a");
        running.activityTokens.put("match-42", DeviceRecord.LiveActivityToken.of("beef01", 7));
        DeviceRecord ended = phone("b");
        DeviceRecord.LiveActivityToken t = DeviceRecord.LiveActivityToken.of("beef02", 7);
        t.endedV = 8;
        ended.activityTokens.put("match-42", t);
        DeviceRecord other = phone("c");
        other.activityTokens.put("match-7", DeviceRecord.LiveActivityToken.of("beef03", 7));
        List<SendRequest> out = new ArrayList<>();

        PreparedCampaign.FanOutCount count = new PreparedCampaign(update(false), FIRED_AT)
                .fanOut("u1", user(0), List.of(running, ended, other), out::add);

        assertThat(count.targeted).isEqualTo(1);
        assertThat(out).singleElement().satisfies(r -> {
            assertThat(r.token).isEqualTo("beef01");
            assertThat(r.priority).isEqualTo(5);
            JsonNode aps = JSON.readTree(r.payload).get("aps");
            assertThat(aps.get("event").asText()).isEqualTo("update");
            assertThat(aps.get("stale-date").asLong()).isEqualTo(1765003600L);
            assertThat(aps.get("relevance-score").asInt()).isEqualTo(50);
            assertThat(aps.has("alert")).isFalse();
            assertThat(aps.has("attributes")).isFalse();
        });
    }

    @Test
    void aBroadcastUpdateIsOneRequestToTheChannelAndWalksNoUser() throws Exception {
        Campaign c = update(true);
        c.liveActivity.channelId = "Y2hhbm5lbC0x";
        PreparedCampaign prepared = new PreparedCampaign(c, FIRED_AT);
        DeviceRecord running = phone("a");
        running.activityTokens.put("match-42", DeviceRecord.LiveActivityToken.of("beef01", 7));

        assertThat(prepared.sentToChannel()).isTrue();
        assertThat(prepared.fanOut("u1", user(0), List.of(running), r -> {}).targeted)
                .isZero();
        SendRequest r = prepared.toChannel("Y2hhbm5lbC0x");
        assertThat(r.channelId).isEqualTo("Y2hhbm5lbC0x");
        assertThat(r.token).isNull();
        assertThat(r.liveActivity).isTrue();
        assertThat(r.notificationId).isEqualTo("goal-1/channel:Y2hhbm5lbC0x");
        assertThat(JSON.readTree(r.payload)
                        .get("aps")
                        .get("content-state")
                        .get("minute")
                        .asInt())
                .isEqualTo(17);
    }

    @Test
    void anEndCarriesItsDismissalDateAndThePriorityItAsksFor() throws Exception {
        Campaign c = update(true);
        c.liveActivity.event = LiveActivity.Event.END;
        c.liveActivity.dismissalDate = 1765007200L;
        c.liveActivity.priority = 10;
        c.liveActivity.channelId = "Y2hhbm5lbC0x";
        SendRequest r = new PreparedCampaign(c, FIRED_AT).toChannel("Y2hhbm5lbC0x");
        assertThat(r.priority).isEqualTo(10);
        JsonNode aps = JSON.readTree(r.payload).get("aps");
        assertThat(aps.get("event").asText()).isEqualTo("end");
        assertThat(aps.get("dismissal-date").asLong()).isEqualTo(1765007200L);
    }

    @Test
    void theValidatorRefusesWhatCannotBeSentNamingTheField() throws Exception {
        CampaignValidator validator = new CampaignValidator(Set.of("news"));
        assertThat(validator.problems(start(true))).isEmpty();
        assertThat(validator.problems(update(true))).isEmpty();
        assertThat(validator.problems(update(false))).isEmpty();

        Campaign noChannel = start(true);
        noChannel.liveActivity.channelId = null;
        assertThat(validator.problems(noChannel)).anyMatch(p -> p.startsWith("liveActivity.channelId is missing"));
        Campaign audience = update(true);
        audience.audience = Audience.all();
        assertThat(validator.problems(audience))
                .anyMatch(p -> p.startsWith("audience is given with a broadcast update"));
        Campaign noAudience = update(false);
        noAudience.audience = null;
        assertThat(validator.problems(noAudience)).anyMatch(p -> p.startsWith("audience is missing"));
        Campaign noAlert = start(false);
        noAlert.message = null;
        assertThat(validator.problems(noAlert))
                .anyMatch(p -> p.startsWith("message is missing: a Live Activity start"));
        Campaign priority = update(true);
        priority.liveActivity.priority = 7;
        assertThat(validator.problems(priority)).anyMatch(p -> p.startsWith("liveActivity.priority must be 5"));
        Campaign millis = update(true);
        millis.liveActivity.staleDate = FIRED_AT;
        assertThat(validator.problems(millis))
                .anyMatch(p -> p.startsWith("liveActivity.staleDate must be a time in epoch seconds"));
        Campaign noState = update(true);
        noState.liveActivity.contentState = null;
        assertThat(validator.problems(noState)).anyMatch(p -> p.startsWith("liveActivity.contentState is missing"));
        Campaign noDefault = update(true);
        noDefault.liveActivity.contentState = "{\"line\": \"{who} scored\"}";
        assertThat(validator.problems(noDefault)).anyMatch(p -> p.contains("uses {who}, which has no default"));
        Campaign badTemplate = update(true);
        badTemplate.liveActivity.contentState = "{\"line\": \"{who scored\"}";
        assertThat(validator.problems(badTemplate))
                .anyMatch(p -> p.startsWith("liveActivity.contentState.line is not a valid ICU"));
        Campaign oversize = update(true);
        oversize.liveActivity.contentState = "{\"line\": \"" + "x".repeat(5000) + "\"}";
        assertThat(validator.problems(oversize)).anyMatch(p -> p.contains("over APNs's 4096-byte limit"));
        Campaign noEvent = update(true);
        noEvent.liveActivity.event = null;
        assertThat(validator.problems(noEvent)).contains("liveActivity.event is missing: one of start, update, end");
    }

    @Test
    void aContentStateThatIsNoObjectIsRefusedWhenRead() {
        assertThatThrownBy(() -> JSON.readValue(
                        "{\"liveActivity\": {\"event\": \"update\", \"contentState\": [1, 2]}}", Campaign.class))
                .hasMessageContaining("must be a JSON object");
    }

    @Test
    void aBroadcastWithoutAnEventIsRefusedNotThrown() throws Exception {
        Campaign c = update(true);
        c.liveActivity.event = null;
        c.audience = Audience.all();
        assertThat(new CampaignValidator(Set.of("news")).problems(c))
                .contains("liveActivity.event is missing: one of start, update, end");
    }

    @Test
    void namesWithSlashesAndNestedNamesAreEachTheirOwnField() throws Exception {
        Campaign c = update(false);
        c.message = new Message();
        c.message.defaults = Map.of("x", "ex", "y", "why");
        c.liveActivity.contentState = "{\"a\": {\"b\": \"{x}\"}, \"a/b\": \"{y}\", \"c.d\": [\"{x}\", 2]}";
        assertThat(new CampaignValidator(Set.of("news")).problems(c)).isEmpty();
        DeviceRecord d = phone("a");
        d.activityTokens.put("match-42", DeviceRecord.LiveActivityToken.of("beef01", 7));
        List<SendRequest> out = new ArrayList<>();
        new PreparedCampaign(c, FIRED_AT).fanOut("u1", new UserProfile(), List.of(d), out::add);
        JsonNode state = JSON.readTree(out.get(0).payload).get("aps").get("content-state");
        assertThat(state.get("a").get("b").asText()).isEqualTo("ex");
        assertThat(state.get("a/b").asText()).isEqualTo("why");
        assertThat(state.get("c.d").get(0).asText()).isEqualTo("ex");
        assertThat(state.get("c.d").get(1).asInt()).isEqualTo(2);
    }

    @Test
    void aBroadcastRenderedFromTheDefaultsKeepsANumbersType() throws Exception {
        Campaign c = update(true);
        c.message = new Message();
        c.message.defaults = Map.of("home", "2", "live", "true", "note", "007 ends");
        c.liveActivity.contentState = "{\"home\": \"{home}\", \"live\": \"{live}\", \"note\": \"{note}\"}";
        c.liveActivity.channelId = "Y2g=";
        JsonNode state = JSON.readTree(new PreparedCampaign(c, FIRED_AT).toChannel("Y2g=").payload)
                .get("aps")
                .get("content-state");
        assertThat(state.get("home").isIntegralNumber()).isTrue();
        assertThat(state.get("home").asInt()).isEqualTo(2);
        assertThat(state.get("live").isBoolean()).isTrue();
        assertThat(state.get("note").asText()).isEqualTo("007 ends");
    }

    @Test
    void eachFireStampsItsOwnTime_evenWhenAnEarlierOneBuiltTheSameBody() throws Exception {
        DeviceRecord d = phone("a");
        d.activityTokens.put("match-42", DeviceRecord.LiveActivityToken.of("beef01", 7));
        PreparedCampaign prepared = new PreparedCampaign(update(false), FIRED_AT);
        List<SendRequest> out = new ArrayList<>();
        prepared.fanOut("u1", new UserProfile(), List.of(d), out::add);
        prepared.at(FIRED_AT + 600_000, null).fanOut("u1", new UserProfile(), List.of(d), out::add);
        assertThat(JSON.readTree(out.get(0).payload).at("/aps/timestamp").asLong())
                .isEqualTo(FIRED_AT / 1000);
        assertThat(JSON.readTree(out.get(1).payload).at("/aps/timestamp").asLong())
                .isEqualTo(FIRED_AT / 1000 + 600);
    }
}
