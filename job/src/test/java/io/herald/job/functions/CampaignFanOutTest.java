package io.herald.job.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.AttributeValue;
import io.herald.model.Audience;
import io.herald.model.AudienceRow;
import io.herald.model.Campaign;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.Content;
import io.herald.model.DeviceEvent;
import io.herald.model.Message;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import io.herald.model.UserUpdate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CampaignFanOutTest {
    private KeyedBroadcastOperatorTestHarness<String, UserUpdate, CampaignEvent, SendRequest> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(new CampaignFanOut(),
                UserUpdate::userId, Types.STRING, CampaignFanOut.CAMPAIGNS);
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private void register(String user, String device, Platform platform, String locale, boolean optIn)
            throws Exception {
        DeviceEvent e = new DeviceEvent();
        e.type = DeviceEvent.Type.REGISTER;
        e.userId = user;
        e.deviceId = device;
        e.appId = "news";
        e.platform = platform;
        e.token = "tok-" + device;
        e.locale = locale;
        e.optIn = optIn;
        e.attributes = Map.of("name", AttributeValue.of(user.toUpperCase(), 1));
        e.version = 1;
        harness.processElement(UserUpdate.of(e), 1);
    }

    private static CampaignEvent create(String id, Audience audience) {
        CampaignEvent e = new CampaignEvent();
        e.type = CampaignEvent.Type.CREATE;
        e.campaignId = id;
        e.campaign = new Campaign();
        e.campaign.campaignId = id;
        e.campaign.appId = "news";
        e.campaign.audience = audience;
        e.campaign.message = new Message();
        e.campaign.message.defaultLocale = "en";
        e.campaign.message.variants = Map.of("en", new Content("Hi {name}", "News"), "de", new Content("Hallo {name}", "Neu"));
        e.campaign.message.defaults = Map.of("name", "friend");
        return e;
    }

    private static CampaignEvent control(CampaignEvent.Type type, String id, long timestamp) {
        CampaignEvent e = new CampaignEvent();
        e.type = type;
        e.campaignId = id;
        e.timestamp = timestamp;
        return e;
    }

    private List<SendRequest> sent() {
        return harness.extractOutputValues();
    }

    private List<CampaignStatus> statuses() {
        return harness.getSideOutput(ValidateCampaigns.STATUS).stream().map(StreamRecord::getValue)
                .collect(Collectors.toList());
    }

    @Test
    void aFiredCampaignReachesEveryReachableDeviceOnce_personalisedPerLocale() throws Exception {
        register("ana", "a1", Platform.IOS, "de-DE", true);
        register("ana", "a2", Platform.ANDROID, "en-US", true);
        register("bob", "b1", Platform.IOS, "en-GB", false);
        harness.processBroadcastElement(create("c1", new Audience()), 2);
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c1", 500), 3);

        assertThat(sent()).extracting(r -> r.notificationId).containsExactlyInAnyOrder("c1/a1", "c1/a2");
        SendRequest ios = sent().stream().filter(r -> r.platform == Platform.IOS).findFirst().orElseThrow();
        assertThat(ios.payload).contains("\"title\":\"Hallo ANA\"");
        assertThat(ios.firedAt).isEqualTo(500);
        assertThat(ios.token).isEqualTo("tok-a1");
        CampaignStatus fanned = statuses().stream().filter(s -> s.status.equals("fanned_out")).findFirst().orElseThrow();
        assertThat(fanned.targeted).isEqualTo(2);
        assertThat(fanned.suppressed).isEqualTo(1);
    }

    @Test
    void aCelSegmentIsEvaluatedPerDeviceWithTheUsersAttributes() throws Exception {
        register("ana", "a1", Platform.IOS, "de-DE", true);
        register("ana", "a2", Platform.ANDROID, "en-US", true);
        register("bob", "b1", Platform.ANDROID, "en-GB", true);
        Audience segment = new Audience();
        segment.kind = Audience.Kind.SEGMENT;
        segment.expression = "platform == 'android' && attributes.name == 'ANA'";
        harness.processBroadcastElement(create("c1", segment), 2);
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(sent()).extracting(r -> r.notificationId).containsExactly("c1/a2");
    }

    @Test
    void anEstimateCountsPerPlatformAndLocaleAndSendsNothing_theCampaignCanStillFire() throws Exception {
        register("ana", "a1", Platform.IOS, "de-DE", true);
        register("ana", "a2", Platform.ANDROID, "en-US", true);
        register("bob", "b1", Platform.ANDROID, "en-US", true);
        register("cid", "c1", Platform.ANDROID, "en-US", false);
        harness.processBroadcastElement(create("c1", new Audience()), 2);
        harness.processBroadcastElement(control(CampaignEvent.Type.ESTIMATE, "c1", 3), 3);
        assertThat(sent()).isEmpty();
        CampaignStatus estimate = statuses().stream().filter(s -> s.status.equals("estimated")).findFirst().orElseThrow();
        assertThat(estimate.targeted).isEqualTo(3);
        assertThat(estimate.suppressed).isEqualTo(1);
        assertThat(estimate.byPlatform).containsEntry("ios", 1L).containsEntry("android", 2L);
        assertThat(estimate.byLocale).containsEntry("de-DE", 1L).containsEntry("en-US", 2L);
        assertThat(estimate.users).isEqualTo(3);
        assertThat(estimate.refused).isZero();
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        assertThat(sent()).hasSize(3);
    }

    @Test
    void aPayloadOverFourKilobytesIsMarkedRefusedNotSent() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        CampaignEvent big = create("c1", new Audience());
        big.campaign.message.variants = Map.of("en", new Content("Hi", "x".repeat(5000)));
        harness.processBroadcastElement(big, 2);
        harness.processBroadcastElement(control(CampaignEvent.Type.ESTIMATE, "c1", 3), 3);
        assertThat(statuses()).filteredOn(s -> s.status.equals("estimated")).singleElement()
                .satisfies(s -> assertThat(s.refused).isEqualTo(1));
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(sent()).singleElement().satisfies(r -> assertThat(r.refusal).startsWith("payload is 50"));
    }

    @Test
    void anFcmPayloadIsMeasuredInBytesWithItsTokenByEstimatesAndFiresAlike() throws Exception {
        register("ana", "a1", Platform.ANDROID, "en", true);
        CampaignEvent fits = create("c1", new Audience());
        // 3,000 bytes of body: over the quick 3-bytes-per-char bound, so it is measured, and it fits.
        fits.campaign.message.variants = Map.of("en", new Content("Hi", "é".repeat(1500)));
        CampaignEvent over = create("c2", new Audience());
        over.campaign.message.variants = Map.of("en", new Content("Hi", "é".repeat(2100)));
        harness.processBroadcastElement(fits, 2);
        harness.processBroadcastElement(over, 2);
        harness.processBroadcastElement(control(CampaignEvent.Type.ESTIMATE, "c1", 3), 3);
        harness.processBroadcastElement(control(CampaignEvent.Type.ESTIMATE, "c2", 3), 3);
        assertThat(statuses()).filteredOn(s -> s.status.equals("estimated"))
                .extracting(s -> s.campaignId + "=" + s.refused).containsExactlyInAnyOrder("c1=0", "c2=1");
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c2", 4), 4);
        assertThat(sent()).extracting(r -> r.campaignId + ":" + (r.refusal == null ? "ok" : r.refusal.replaceAll("\\d+", "N")))
                .containsExactlyInAnyOrder("c1:ok", "c2:payload is N bytes, over the providers' N-byte limit");
        assertThat(sent()).filteredOn(r -> r.campaignId.equals("c1")).singleElement()
                .satisfies(r -> assertThat(r.payload).contains("\"token\":\"tok-a1\""));
    }

    @Test
    void aUserWhoseAttributeCannotBeRenderedGetsARefusalAndTheOthersTheirNotification() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        DeviceEvent odd = new DeviceEvent();
        odd.type = DeviceEvent.Type.ATTRIBUTES_SET;
        odd.userId = "bob";
        odd.attributes = Map.of("streak", AttributeValue.of("many", 2));
        odd.version = 2;
        register("bob", "b1", Platform.IOS, "en", true);
        harness.processElement(UserUpdate.of(odd), 2);
        CampaignEvent c = create("c1", new Audience());
        c.campaign.message.variants = Map.of("en", new Content("Hi", "{streak, plural, one {# day} other {# days}}"));
        c.campaign.message.defaults = Map.of("streak", "0");
        harness.processBroadcastElement(c, 3);
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        assertThat(sent()).hasSize(2);
        assertThat(sent()).filteredOn(r -> r.userId.equals("ana")).singleElement()
                .satisfies(r -> assertThat(r.refusal).isNull());
        assertThat(sent()).filteredOn(r -> r.userId.equals("bob")).singleElement()
                .satisfies(r -> assertThat(r.refusal).startsWith("template could not be rendered"));
    }

    private static CampaignEvent send(String campaignId, String userId, String sendId, long timestamp) {
        CampaignEvent e = control(CampaignEvent.Type.SEND, campaignId, timestamp);
        e.userId = userId;
        e.sendId = sendId;
        return e;
    }

    @Test
    void aTransactionalSendReachesOnlyItsUsersDevicesEachTimeWithItsOwnIds() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        register("ana", "a2", Platform.ANDROID, "de", true);
        register("bob", "b1", Platform.IOS, "en", true);
        harness.processElement(UserUpdate.of(send("c1", "ana", "s0", 2)), 2);
        harness.processBroadcastElement(create("c1", new Audience()), 3);
        harness.processElement(UserUpdate.of(send("c1", "ana", "s1", 4)), 4);
        harness.processElement(UserUpdate.of(send("c1", "ana", "s2", 5)), 5);
        assertThat(sent()).extracting(r -> r.notificationId)
                .containsExactlyInAnyOrder("c1/s1/a1", "c1/s1/a2", "c1/s2/a1", "c1/s2/a2");
        assertThat(statuses()).extracting(s -> s.status + " " + s.targeted)
                .containsExactly("rejected null", "sent 2", "sent 2");
        assertThat(statuses().get(0).error).isEqualTo("send to ana of an unknown campaign");
    }

    @Test
    void aSecondFireSendsNothingMore() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        harness.processBroadcastElement(create("c1", new Audience()), 2);
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        assertThat(sent()).hasSize(1);
        assertThat(statuses()).extracting(s -> s.status).containsExactly("fired", "fanned_out", "ignored");
    }

    @Test
    void cancelledAndUnknownCampaignsDoNotFire() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        harness.processBroadcastElement(create("c1", new Audience()), 2);
        harness.processBroadcastElement(control(CampaignEvent.Type.CANCEL, "c1", 3), 3);
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "nope", 5), 5);
        assertThat(sent()).isEmpty();
        assertThat(statuses()).extracting(s -> s.status).containsExactly("cancelled", "ignored", "rejected");
    }

    @Test
    void aListCampaignReachesOnlyListedUsers() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        register("bob", "b1", Platform.IOS, "en", true);
        harness.processElement(UserUpdate.of(new AudienceRow("c1", "bob")), 1);
        Audience list = new Audience();
        list.kind = Audience.Kind.LIST;
        harness.processBroadcastElement(create("c1", list), 2);
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(sent()).extracting(r -> r.userId).containsExactly("bob");
    }

    @Test
    void aDeviceIdleLongerThanItsTimeToLiveIsForgotten_anActiveOneIsNot() throws Exception {
        harness.setStateTtlProcessingTime(0);
        register("ana", "a1", Platform.IOS, "en", true);
        register("bob", "b1", Platform.IOS, "en", true);
        harness.setStateTtlProcessingTime(Duration.ofDays(200).toMillis());
        register("bob", "b1", Platform.IOS, "en", true);
        harness.setStateTtlProcessingTime(Duration.ofDays(271).toMillis());
        harness.processBroadcastElement(create("c1", new Audience()), 2);
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(sent()).extracting(r -> r.userId).containsExactly("bob");
    }

    @Test
    void aDeadTokenFedBackIsNotTargetedAgain() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        harness.processElement(UserUpdate.of(DeviceEvent.tokenRejected("ana", "a1", "news", "tok-a1", "Unregistered", 5)), 4);
        harness.processBroadcastElement(create("c1", new Audience()), 5);
        harness.processBroadcastElement(control(CampaignEvent.Type.FIRE, "c1", 6), 6);
        assertThat(sent()).isEmpty();
    }
}
