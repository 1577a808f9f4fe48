package io.herald.job.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.campaign.FireGuard;
import io.herald.campaign.FrequencyCap;
import io.herald.campaign.QuietHours;
import io.herald.campaign.RunawayGuard;
import io.herald.campaign.UrgentUpdateBudget;
import io.herald.delivery.DeliveryRoom;
import io.herald.experiment.ArmAssignment;
import io.herald.job.functions.Descriptors;
import io.herald.model.Arm;
import io.herald.model.AttributeValue;
import io.herald.model.Audience;
import io.herald.model.AudienceRow;
import io.herald.model.Campaign;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.Content;
import io.herald.model.DeviceEvent;
import io.herald.model.Interaction;
import io.herald.model.LiveActivity;
import io.herald.model.Message;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.QuietHoursSpec;
import io.herald.model.Schedule;
import io.herald.model.SendRequest;
import io.herald.model.SignedBy;
import io.herald.model.StatusKind;
import io.herald.model.UserUpdate;
import io.herald.model.WinnerTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.operators.coordination.EventReceivingTasks;
import org.apache.flink.runtime.operators.coordination.MockOperatorCoordinatorContext;
import org.apache.flink.runtime.operators.coordination.OperatorCoordinator;
import org.apache.flink.runtime.operators.coordination.OperatorEvent;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fan-out on Flink's operator harness with RocksDB state, as in the job. The walk goes through
 * the task's mailbox, which the test runs by hand: a chunk at a time where that matters.
 */
class FanOutOperatorTest {
    private static final int MAX_PARALLELISM = 128;

    private KeyedTwoInputStreamOperatorTestHarness<String, UserUpdate, CampaignEvent, SendRequest> harness;
    private final List<KeyedTwoInputStreamOperatorTestHarness<String, UserUpdate, CampaignEvent, SendRequest>> others =
            new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        harness = harness(1_000, 1, 0, null);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
        for (var h : others) {
            h.close();
        }
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, UserUpdate, CampaignEvent, SendRequest> harness(
            int usersPerChunk, int parallelism, int index, OperatorSubtaskState restoreFrom) throws Exception {
        return harness(settings(usersPerChunk).build(), parallelism, index, restoreFrom);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, UserUpdate, CampaignEvent, SendRequest> harness(
            FanOutSettings settings, int parallelism, int index, OperatorSubtaskState restoreFrom) throws Exception {
        return harness(new FanOutOperator(settings), parallelism, index, restoreFrom);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, UserUpdate, CampaignEvent, SendRequest> harness(
            FanOutOperator operator, int parallelism, int index, OperatorSubtaskState restoreFrom) throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<String, UserUpdate, CampaignEvent, SendRequest>(
                operator, UserUpdate::userId, null, Types.STRING, MAX_PARALLELISM, parallelism, index);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.setup();
        if (restoreFrom != null) {
            h.initializeState(restoreFrom);
        }
        h.open();
        return h;
    }

    /** Runs the mails waiting in the task's mailbox, and those they queue, until none is left. */
    private static void runMailbox(AbstractStreamOperatorTestHarness<?> h) throws Exception {
        while (runOneMail(h)) {
            // next
        }
    }

    /** Runs one mail (a chunk of the walk, say); false if there was none. */
    private static boolean runOneMail(AbstractStreamOperatorTestHarness<?> h) throws Exception {
        Optional<Mail> mail = h.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY);
        if (mail.isEmpty()) {
            return false;
        }
        mail.get().run();
        return true;
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
        harness.processElement1(UserUpdate.of(e), 1);
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
        e.campaign.message.variants =
                Map.of("en", new Content("Hi {name}", "News"), "de", new Content("Hallo {name}", "Neu"));
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

    private List<SendRequest> sent() throws Exception {
        runMailbox(harness);
        return notifications(harness);
    }

    private static List<SendRequest> notifications(AbstractStreamOperatorTestHarness<SendRequest> h) {
        return h.extractOutputValues().stream().filter(r -> r.control == null).collect(Collectors.toList());
    }

    private List<CampaignStatus> statuses() throws Exception {
        runMailbox(harness);
        return statuses(harness);
    }

    private static List<CampaignStatus> statuses(AbstractStreamOperatorTestHarness<SendRequest> h) {
        var side = h.getSideOutput(Descriptors.STATUS);
        return side == null
                ? List.of()
                : side.stream().map(StreamRecord::getValue).collect(Collectors.toList());
    }

    @Test
    void aFiredCampaignReachesEveryReachableDeviceOnce_personalisedPerLocale() throws Exception {
        register("ana", "a1", Platform.IOS, "de-DE", true);
        register("ana", "a2", Platform.ANDROID, "en-US", true);
        register("bob", "b1", Platform.IOS, "en-GB", false);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 500), 3);

        assertThat(sent()).extracting(r -> r.notificationId).containsExactlyInAnyOrder("c1/a1", "c1/a2");
        SendRequest ios = sent().stream()
                .filter(r -> r.platform == Platform.IOS)
                .findFirst()
                .orElseThrow();
        assertThat(ios.payload).contains("\"title\":\"Hallo ANA\"");
        assertThat(ios.firedAt).isEqualTo(500);
        assertThat(ios.token).isEqualTo("tok-a1");
        CampaignStatus fanned = statuses().stream()
                .filter(s -> s.status == StatusKind.FANNED_OUT)
                .findFirst()
                .orElseThrow();
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
        harness.processElement2(create("c1", segment), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(sent()).extracting(r -> r.notificationId).containsExactly("c1/a2");
    }

    @Test
    void aSegmentReadsWhatUsersReported_theirLastOpenAndTheirAppEvents() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        register("bob", "b1", Platform.IOS, "en", true);
        register("cid", "c1", Platform.IOS, "en", true);
        Interaction opened = new Interaction();
        opened.type = Interaction.Type.OPENED;
        opened.userId = "ana";
        opened.campaignId = "earlier";
        opened.at = DAY_2026 - 86_400_000; // yesterday
        harness.processElement1(UserUpdate.of(opened), 1);
        Interaction bought = new Interaction();
        bought.type = Interaction.Type.EVENT;
        bought.userId = "bob";
        bought.appId = "news";
        bought.name = "purchase";
        bought.at = DAY_2026 - 40 * 86_400_000L;
        harness.processElement1(UserUpdate.of(bought), 1);
        // (A user who never opened reads as having opened at the epoch: a fire's time must be real.)
        Audience openers = new Audience();
        openers.kind = Audience.Kind.SEGMENT;
        openers.expression = "now - last_opened < duration('168h')";
        harness.processElement2(create("openers", openers), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "openers", DAY_2026), 3);
        Audience buyers = new Audience();
        buyers.kind = Audience.Kind.SEGMENT;
        buyers.expression = "'purchase' in events";
        harness.processElement2(create("buyers", buyers), 4);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "buyers", DAY_2026), 5);
        assertThat(sent()).extracting(r -> r.notificationId).containsExactlyInAnyOrder("openers/a1", "buyers/b1");
    }

    @Test
    void anEstimateCountsPerPlatformAndLocaleAndSendsNothing_theCampaignCanStillFire() throws Exception {
        register("ana", "a1", Platform.IOS, "de-DE", true);
        register("ana", "a2", Platform.ANDROID, "en-US", true);
        register("bob", "b1", Platform.ANDROID, "en-US", true);
        register("cid", "c1", Platform.ANDROID, "en-US", false);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.ESTIMATE, "c1", 3), 3);
        assertThat(sent()).isEmpty();
        CampaignStatus estimate = statuses().stream()
                .filter(s -> s.status == StatusKind.ESTIMATED)
                .findFirst()
                .orElseThrow();
        assertThat(estimate.targeted).isEqualTo(3);
        assertThat(estimate.suppressed).isEqualTo(1);
        assertThat(estimate.byPlatform).containsEntry("ios", 1L).containsEntry("android", 2L);
        assertThat(estimate.byLocale).containsEntry("de-DE", 1L).containsEntry("en-US", 2L);
        assertThat(estimate.users).isEqualTo(3);
        assertThat(estimate.refused).isZero();
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        assertThat(sent()).hasSize(3);
    }

    @Test
    void aPayloadOverFourKilobytesIsMarkedRefusedNotSent() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        CampaignEvent big = create("c1", Audience.all());
        big.campaign.message.variants = Map.of("en", new Content("Hi", "x".repeat(5000)));
        harness.processElement2(big, 2);
        harness.processElement2(control(CampaignEvent.Type.ESTIMATE, "c1", 3), 3);
        assertThat(statuses())
                .filteredOn(s -> s.status == StatusKind.ESTIMATED)
                .singleElement()
                .satisfies(s -> assertThat(s.refused).isEqualTo(1));
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(sent()).singleElement().satisfies(r -> assertThat(r.refusal).startsWith("payload is 50"));
    }

    @Test
    void anFcmPayloadIsMeasuredInBytesWithItsTokenByEstimatesAndFiresAlike() throws Exception {
        register("ana", "a1", Platform.ANDROID, "en", true);
        CampaignEvent fits = create("c1", Audience.all());
        // 3,000 bytes of body: over the quick 3-bytes-per-char bound, so it is measured, and it fits.
        fits.campaign.message.variants = Map.of("en", new Content("Hi", "é".repeat(1500)));
        CampaignEvent over = create("c2", Audience.all());
        over.campaign.message.variants = Map.of("en", new Content("Hi", "é".repeat(2100)));
        harness.processElement2(fits, 2);
        harness.processElement2(over, 2);
        harness.processElement2(control(CampaignEvent.Type.ESTIMATE, "c1", 3), 3);
        harness.processElement2(control(CampaignEvent.Type.ESTIMATE, "c2", 3), 3);
        assertThat(statuses())
                .filteredOn(s -> s.status == StatusKind.ESTIMATED)
                .extracting(s -> s.campaignId + "=" + s.refused)
                .containsExactlyInAnyOrder("c1=0", "c2=1");
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c2", 4), 4);
        assertThat(sent())
                .extracting(r -> r.campaignId + ":" + (r.refusal == null ? "ok" : r.refusal.replaceAll("\\d+", "N")))
                .containsExactlyInAnyOrder("c1:ok", "c2:payload is N bytes, over the providers' N-byte limit");
        assertThat(sent())
                .filteredOn(r -> r.campaignId.equals("c1"))
                .singleElement()
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
        harness.processElement1(UserUpdate.of(odd), 2);
        CampaignEvent c = create("c1", Audience.all());
        c.campaign.message.variants = Map.of("en", new Content("Hi", "{streak, plural, one {# day} other {# days}}"));
        c.campaign.message.defaults = Map.of("streak", "0");
        harness.processElement2(c, 3);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        assertThat(sent()).hasSize(2);
        assertThat(sent())
                .filteredOn(r -> r.userId.equals("ana"))
                .singleElement()
                .satisfies(r -> assertThat(r.refusal).isNull());
        assertThat(sent())
                .filteredOn(r -> r.userId.equals("bob"))
                .singleElement()
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
        harness.processElement1(UserUpdate.of(send("c1", "ana", "s0", 2)), 2);
        harness.processElement2(create("c1", Audience.all()), 3);
        harness.processElement1(UserUpdate.of(send("c1", "ana", "s1", 4)), 4);
        harness.processElement1(UserUpdate.of(send("c1", "ana", "s2", 5)), 5);
        assertThat(sent())
                .extracting(r -> r.notificationId)
                .containsExactlyInAnyOrder("c1/s1/a1", "c1/s1/a2", "c1/s2/a1", "c1/s2/a2");
        assertThat(statuses())
                .extracting(s -> s.status.wire() + " " + s.targeted)
                .containsExactly("rejected null", "sent 2", "sent 2");
        assertThat(statuses().get(0).error).isEqualTo("send of an unknown campaign (user ana)");
    }

    @Test
    void aSecondFireSendsNothingMore() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        runMailbox(harness);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        assertThat(sent()).hasSize(1);
        assertThat(statuses())
                .extracting(s -> s.status)
                .containsExactly(StatusKind.FIRED, StatusKind.FANNED_OUT, StatusKind.IGNORED);
    }

    @Test
    void anUnsignedRecordOfACampaignWhoseAppTakesSignedRecordsOnlyIsRefusedHereToo() throws Exception {
        // The gate ahead refuses these first; the fan-out checks against the app its table holds,
        // whatever the gate knew of the campaign (one created before the gate, say).
        harness.close();
        harness = harness(settings(1_000).requireSigned(Set.of("news")).build(), 1, 0, null);
        register("ana", "a1", Platform.IOS, "en", true);
        CampaignEvent created = create("c1", Audience.all());
        created.signedBy = new SignedBy("alice", "k1", 2, "n1");
        harness.processElement2(created, 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        harness.processElement1(UserUpdate.of(send("c1", "ana", "s1", 4)), 4);
        runMailbox(harness);
        assertThat(sent()).isEmpty();
        assertThat(statuses())
                .extracting(st -> st.status + " " + st.error)
                .containsExactly(
                        "REJECTED fire refused: unsigned record: apps.news.requireSigned",
                        "REJECTED send refused: unsigned record: apps.news.requireSigned");
        CampaignEvent fire = control(CampaignEvent.Type.FIRE, "c1", 5);
        fire.signedBy = new SignedBy("alice", "k1", 5, "n2");
        harness.processElement2(fire, 5);
        runMailbox(harness);
        assertThat(sent()).hasSize(1);
    }

    @Test
    void cancelledAndUnknownCampaignsDoNotFire() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.CANCEL, "c1", 3), 3);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "nope", 5), 5);
        assertThat(sent()).isEmpty();
        assertThat(statuses())
                .extracting(s -> s.status)
                .containsExactly(StatusKind.CANCELLED, StatusKind.IGNORED, StatusKind.REJECTED);
    }

    @Test
    void aListCampaignReachesOnlyListedUsers() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        register("bob", "b1", Platform.IOS, "en", true);
        harness.processElement1(UserUpdate.of(new AudienceRow("c1", "bob")), 1);
        Audience list = new Audience();
        list.kind = Audience.Kind.LIST;
        harness.processElement2(create("c1", list), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(sent()).extracting(r -> r.userId).containsExactly("bob");
    }

    @Test
    void aDeviceIdleLongerThanItsTimeToLiveIsForgotten_anActiveOneIsNot() throws Exception {
        // Flink's state TTL and the operator keep time apart in the harness; in a job both are the
        // wall clock, so both move together here.
        at(0);
        register("ana", "a1", Platform.IOS, "en", true);
        register("bob", "b1", Platform.IOS, "en", true);
        at(Duration.ofDays(200).toMillis());
        register("bob", "b1", Platform.IOS, "en", true);
        at(Duration.ofDays(271).toMillis());
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(sent()).extracting(r -> r.userId).containsExactly("bob");
    }

    private void at(long millis) throws Exception {
        harness.setStateTtlProcessingTime(millis);
        harness.setProcessingTime(millis);
    }

    @Test
    void aDeadTokenFedBackIsNotTargetedAgain() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        harness.processElement1(
                UserUpdate.of(DeviceEvent.tokenRejected("ana", "a1", "news", "tok-a1", "Unregistered", 5)), 4);
        harness.processElement2(create("c1", Audience.all()), 5);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 6), 6);
        assertThat(sent()).isEmpty();
    }

    private void registerUsers(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            register("user-" + i, "dev-" + i, i % 2 == 0 ? Platform.IOS : Platform.ANDROID, "en", true);
        }
    }

    private static List<String> ids(List<SendRequest> requests) {
        return requests.stream().map(r -> r.notificationId).collect(Collectors.toList());
    }

    @Test
    void aWalkGoesInChunksAndTakesInRecordsBetweenThem() throws Exception {
        harness.close();
        harness = harness(3, 1, 0, null);
        registerUsers(10);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(notifications(harness))
                .as("nothing is walked inside the fire's own record")
                .isEmpty();

        assertThat(runOneMail(harness)).isTrue();
        assertThat(notifications(harness)).hasSize(3);
        // Between two chunks: a transactional send goes out at once, and a device event is applied.
        harness.processElement1(UserUpdate.of(send("c1", "user-9", "tx", 4)), 4);
        assertThat(notifications(harness))
                .hasSize(4)
                .last()
                .satisfies(r -> assertThat(r.notificationId).isEqualTo("c1/tx/dev-9"));
        register("late", "late-1", Platform.IOS, "en", true);

        runMailbox(harness);
        List<String> fired = ids(notifications(harness)).stream()
                .filter(id -> !id.contains("/tx/"))
                .toList();
        assertThat(fired)
                .as("every user once; the one registered after the fire is not in it")
                .hasSize(10)
                .doesNotHaveDuplicates()
                .doesNotContain("c1/late-1");
        assertThat(statuses(harness))
                .filteredOn(s -> s.status == StatusKind.FANNED_OUT)
                .singleElement()
                .satisfies(st -> {
                    assertThat(st.users).isEqualTo(10);
                    assertThat(st.targeted).isEqualTo(10);
                    assertThat(st.handedOut).isEqualTo(10);
                    assertThat(st.keyGroups).isEqualTo(MAX_PARALLELISM);
                    assertThat(st.keyGroupsTotal).isEqualTo(MAX_PARALLELISM);
                });
    }

    @Test
    void aUserWrittenAfterTheWalkBeganIsWalkedAsItIsNow_notAsItWas() throws Exception {
        harness.close();
        harness = harness(3, 1, 0, null);
        registerUsers(10);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(runOneMail(harness)).isTrue();
        List<String> first = ids(notifications(harness));
        assertThat(first).hasSize(3);
        // Every user the walk has not reached yet opts out: the walk began before, but acts on what the
        // users are when it reaches them.
        for (int i = 0; i < 10; i++) {
            if (!first.contains("c1/dev-" + i)) {
                DeviceEvent optOut = new DeviceEvent();
                optOut.type = DeviceEvent.Type.UPDATE;
                optOut.userId = "user-" + i;
                optOut.deviceId = "dev-" + i;
                optOut.optIn = false;
                optOut.version = 2;
                harness.processElement1(UserUpdate.of(optOut), 4);
            }
        }
        runMailbox(harness);
        assertThat(ids(notifications(harness))).containsExactlyElementsOf(first);
        assertThat(statuses(harness))
                .filteredOn(st -> st.status == StatusKind.FANNED_OUT)
                .singleElement()
                .satisfies(st -> {
                    assertThat(st.targeted).isEqualTo(3);
                    assertThat(st.suppressed).isEqualTo(7);
                });
    }

    @Test
    void aWalkRestoredFromACheckpointGoesOnWhereItStood_atAnyParallelism() throws Exception {
        harness.close();
        harness = harness(7, 1, 0, null);
        registerUsers(40);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        runOneMail(harness);
        runOneMail(harness);
        List<String> before = ids(notifications(harness));
        assertThat(before).hasSize(14);
        OperatorSubtaskState checkpoint = harness.snapshot(1, 10);
        runOneMail(harness); // handed out after the checkpoint: lost with the crash, so handed out again

        // Restored on two instances: each takes the key groups it now holds, with their positions.
        List<String> after = new ArrayList<>();
        List<CampaignStatus> reports = new ArrayList<>();
        restoreOnTwo(checkpoint, r -> after.addAll(ids(r)), reports::addAll);
        List<String> all = new ArrayList<>(before);
        all.addAll(after);
        assertThat(all)
                .as("each device exactly once over both runs")
                .hasSize(40)
                .doesNotHaveDuplicates();
        List<CampaignStatus> fannedOut =
                reports.stream().filter(r -> r.status == StatusKind.FANNED_OUT).toList();
        assertThat(fannedOut).hasSize(2);
        assertThat(fannedOut.stream().mapToLong(r -> r.targeted).sum())
                .as("counts add up across the restore")
                .isEqualTo(40);
        assertThat(fannedOut.stream().mapToInt(r -> r.keyGroups).sum()).isEqualTo(MAX_PARALLELISM);
    }

    /**
     * {@code checkpoint} (taken at parallelism 1, chunks of 7) restored on two instances, each
     * walked to its end: what each handed out and reported.
     */
    private void restoreOnTwo(
            OperatorSubtaskState checkpoint,
            Consumer<List<SendRequest>> notifications,
            Consumer<List<CampaignStatus>> reports)
            throws Exception {
        for (int i = 0; i < 2; i++) {
            var h = harness(
                    7,
                    2,
                    i,
                    AbstractStreamOperatorTestHarness.repartitionOperatorState(checkpoint, MAX_PARALLELISM, 1, 2, i));
            others.add(h);
            runMailbox(h);
            notifications.accept(notifications(h));
            reports.accept(statuses(h));
        }
    }

    /** 20 users, walked 4 a chunk: campaign c1 created and fired, and one chunk walked. */
    private void firedAndOneChunkWalked() throws Exception {
        harness.close();
        harness = harness(4, 1, 0, null);
        registerUsers(20);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        runOneMail(harness);
    }

    @Test
    void aCancelStopsTheWalkSaysWhatWasHandedOutAndTellsTheDeliveries() throws Exception {
        firedAndOneChunkWalked();
        harness.processElement2(control(CampaignEvent.Type.CANCEL, "c1", 4), 4);
        runMailbox(harness);

        assertThat(notifications(harness)).hasSize(4);
        assertThat(harness.extractOutputValues())
                .filteredOn(r -> r.control != null)
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.control).isEqualTo(SendRequest.Control.CANCEL);
                    assertThat(r.campaignId).isEqualTo("c1");
                });
        assertThat(statuses(harness))
                .filteredOn(st -> st.status == StatusKind.CANCELLED)
                .singleElement()
                .satisfies(st -> {
                    assertThat(st.handedOut).isEqualTo(4);
                    assertThat(st.users).isEqualTo(4);
                    assertThat(st.subtask).isZero();
                });
        assertThat(statuses(harness)).noneMatch(st -> st.status == StatusKind.FANNED_OUT);
        harness.processElement1(UserUpdate.of(send("c1", "user-1", "tx", 5)), 5);
        assertThat(notifications(harness)).hasSize(4);
    }

    @Test
    void aPausedCampaignsWalkWaitsWhereItIs_throughARestore_andGoesOnAtTheResume() throws Exception {
        firedAndOneChunkWalked();
        harness.processElement2(control(CampaignEvent.Type.PAUSE, "c1", 4), 4);
        runMailbox(harness);
        assertThat(notifications(harness)).hasSize(4);
        assertThat(harness.extractOutputValues())
                .filteredOn(r -> r.control != null)
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.control).isEqualTo(SendRequest.Control.PAUSE);
                    assertThat(r.campaignId).isEqualTo("c1");
                });
        assertThat(statuses(harness)).anyMatch(st -> st.status == StatusKind.PAUSED);

        OperatorSubtaskState checkpoint = harness.snapshot(5, 5);
        harness.close();
        harness = harness(4, 1, 0, checkpoint);
        runMailbox(harness);
        assertThat(notifications(harness)).as("still paused after the restore").isEmpty();

        harness.processElement2(control(CampaignEvent.Type.RESUME, "c1", 6), 6);
        runMailbox(harness);
        assertThat(notifications(harness)).as("the other 16 after the resume").hasSize(16);
        assertThat(statuses(harness)).anyMatch(st -> st.status == StatusKind.FANNED_OUT);
    }

    @Test
    void aPausedAppHoldsEveryCampaignOfItsAndAnUnpausedOneIsIgnored() throws Exception {
        registerUsers(10);
        harness.setProcessingTime(1_000);
        harness.processElement2(create("c1", Audience.all()), 2);
        CampaignEvent pause = new CampaignEvent();
        pause.type = CampaignEvent.Type.PAUSE;
        pause.appId = "news";
        harness.processElement2(pause, 3);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        runMailbox(harness);
        assertThat(notifications(harness)).isEmpty();
        assertThat(harness.extractOutputValues())
                .filteredOn(r -> r.control != null)
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.control).isEqualTo(SendRequest.Control.PAUSE);
                    assertThat(r.appId).isEqualTo("news");
                    assertThat(r.campaignId).isNull();
                });
        CampaignEvent resume = new CampaignEvent();
        resume.type = CampaignEvent.Type.RESUME;
        resume.appId = "news";
        harness.setProcessingTime(4_000);
        harness.processElement2(resume, 5);
        harness.processElement2(resume, 6);
        runMailbox(harness);
        assertThat(notifications(harness)).hasSize(10);
        assertThat(last(StatusKind.FANNED_OUT, "c1").waitedMs)
                .as("its final status says it waited for the pause, 1 s to 4 s")
                .isEqualTo(Map.of("pause", 3_000L));
        assertThat(statuses(harness))
                .filteredOn(st -> "news".equals(st.appId))
                .extracting(st -> st.status)
                .containsExactly(StatusKind.PAUSED, StatusKind.RESUMED, StatusKind.IGNORED);
    }

    @Test
    void maxPerSecondPacesTheWalkWithTimersNotSleeps() throws Exception {
        registerUsers(10);
        CampaignEvent limited = create("c1", Audience.all());
        limited.campaign.maxPerSecond = 4;
        harness.setProcessingTime(0);
        harness.processElement2(limited, 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        runMailbox(harness);
        assertThat(notifications(harness)).as("at t=0").hasSize(1);
        harness.setProcessingTime(249);
        runMailbox(harness);
        assertThat(notifications(harness)).as("at t=249 ms").hasSize(1);
        harness.setProcessingTime(250);
        runMailbox(harness);
        assertThat(notifications(harness)).as("at t=250 ms").hasSize(2);
        harness.setProcessingTime(1_000);
        runMailbox(harness);
        assertThat(notifications(harness)).as("at t=1 s").hasSize(5);
        harness.setProcessingTime(1_000);
        CampaignStatus progress = statuses(harness).stream()
                .filter(st -> st.status == StatusKind.PROGRESS)
                .reduce((a, b) -> b)
                .orElseThrow();
        assertThat(progress.waiting)
                .as("its progress says it waits for its own pace")
                .isEqualTo("pace");
        harness.setProcessingTime(10_000);
        runMailbox(harness);
        assertThat(notifications(harness)).hasSize(10);
        assertThat(last(StatusKind.FANNED_OUT, "c1").waitedMs)
                .as("waited for its pace between the ten: about 2.25 s at 4 a second")
                .containsOnlyKeys("pace")
                .hasEntrySatisfying("pace", ms -> assertThat(ms).isBetween(2_000L, 10_000L));
    }

    private static CampaignEvent scheduled(String id, long at) {
        CampaignEvent e = create(id, Audience.all());
        e.campaign.schedule = Schedule.at(at);
        return e;
    }

    private List<StatusKind> kinds(String campaignId) throws Exception {
        return statuses().stream()
                .filter(s -> s.campaignId.equals(campaignId))
                .map(s -> s.status)
                .toList();
    }

    @Test
    void aScheduledCampaignFiresItselfAtItsTimeAndOnce() throws Exception {
        harness.setProcessingTime(0);
        registerUsers(4);
        harness.processElement2(scheduled("c1", 1_000), 2);
        harness.setProcessingTime(999);
        assertThat(sent()).as("before its time").isEmpty();
        harness.setProcessingTime(1_000);
        assertThat(ids(sent())).containsExactlyInAnyOrder("c1/dev-0", "c1/dev-1", "c1/dev-2", "c1/dev-3");
        harness.setProcessingTime(60_000);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        assertThat(sent()).as("neither time nor a late fire sends it again").hasSize(4);
        assertThat(kinds("c1")).containsExactly(StatusKind.FIRED, StatusKind.FANNED_OUT, StatusKind.IGNORED);
    }

    @Test
    void aFireBeforeTheScheduledTimeFiresEarly_andTheTimeThenDoesNothing() throws Exception {
        harness.setProcessingTime(0);
        registerUsers(3);
        harness.processElement2(scheduled("c1", 10_000), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(sent()).hasSize(3);
        harness.setProcessingTime(10_000);
        assertThat(sent()).hasSize(3);
        assertThat(kinds("c1")).containsExactly(StatusKind.FIRED, StatusKind.FANNED_OUT);
    }

    @Test
    void aCancelBeforeTheScheduledTimeMeansItNeverStarts_aLaterTimeReplacesAnEarlierOne() throws Exception {
        harness.setProcessingTime(0);
        registerUsers(3);
        harness.processElement2(scheduled("c1", 1_000), 2);
        harness.processElement2(control(CampaignEvent.Type.CANCEL, "c1", 3), 3);
        harness.processElement2(scheduled("c2", 1_000), 4);
        harness.processElement2(scheduled("c2", 5_000), 5); // replaced before its time: the new time holds
        harness.setProcessingTime(1_000);
        assertThat(sent()).isEmpty();
        harness.setProcessingTime(5_000);
        assertThat(ids(sent())).allMatch(id -> id.startsWith("c2/")).hasSize(3);
        assertThat(kinds("c1")).containsExactly(StatusKind.CANCELLED);
    }

    @Test
    void aScheduleWhoseTimePassedWhileTheJobWasDownFiresOnceWhenItIsBack_unlessItExpired() throws Exception {
        harness.setProcessingTime(0);
        registerUsers(3);
        harness.processElement2(scheduled("c1", 1_000), 2);
        CampaignEvent expiring = scheduled("c2", 1_000);
        expiring.campaign.expiresAt = 2_000L;
        harness.processElement2(expiring, 3);
        OperatorSubtaskState checkpoint = harness.snapshot(1, 10);
        harness.close();

        harness = harness(1_000, 1, 0, checkpoint);
        harness.setProcessingTime(3_000); // back after both times passed, and after c2 expired
        assertThat(ids(sent())).containsExactlyInAnyOrder("c1/dev-0", "c1/dev-1", "c1/dev-2");
        harness.setProcessingTime(9_000);
        assertThat(sent()).hasSize(3);
        assertThat(kinds("c1")).containsExactly(StatusKind.FIRED, StatusKind.FANNED_OUT);
        assertThat(statuses())
                .filteredOn(st -> st.campaignId.equals("c2"))
                .singleElement()
                .satisfies(st -> {
                    assertThat(st.status).isEqualTo(StatusKind.SKIPPED);
                    assertThat(st.error).contains("expired");
                });
    }

    @Test
    void spreadOverHandsTheAudienceOutEvenlyOverTheTime() throws Exception {
        registerUsers(10);
        CampaignEvent spread = create("c1", Audience.all());
        spread.campaign.spreadOver = "PT10S";
        harness.setProcessingTime(0);
        harness.processElement2(spread, 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 0), 0);
        assertThat(sent()).as("at t=0").hasSize(1);
        harness.setProcessingTime(999);
        assertThat(sent()).as("at t=999 ms").hasSize(1);
        harness.setProcessingTime(1_000);
        assertThat(sent()).as("at t=1 s").hasSize(2);
        harness.setProcessingTime(5_000);
        assertThat(sent()).as("at t=5 s").hasSize(6);
        harness.setProcessingTime(9_000);
        assertThat(sent()).as("at t=9 s").hasSize(10);
        assertThat(kinds("c1")).doesNotContain(StatusKind.FANNED_OUT);
        harness.setProcessingTime(10_000);
        assertThat(kinds("c1")).as("the walk ends with the spread").contains(StatusKind.FANNED_OUT);
    }

    /** The settings of these tests: no time limit on a chunk, so a chunk is its number of users. */
    private static FanOutSettings.Builder settings(int usersPerChunk) {
        return FanOutSettings.builder()
                .usersPerChunk(usersPerChunk)
                .chunkMillis(60_000)
                .progressEveryMillis(1_000);
    }

    private static FanOutSettings capped(int usersPerChunk, int max) {
        return settings(usersPerChunk)
                .frequencyCaps(Map.of("news", new FrequencyCap(max, Duration.ofHours(24))))
                .build();
    }

    private static List<SendRequest> of(List<SendRequest> requests, String campaignId) {
        return requests.stream().filter(r -> r.campaignId.equals(campaignId)).toList();
    }

    private CampaignStatus last(StatusKind kind, String campaignId) throws Exception {
        List<CampaignStatus> all = statuses().stream()
                .filter(st -> st.status == kind && st.campaignId.equals(campaignId))
                .toList();
        return all.get(all.size() - 1);
    }

    @Test
    void aFrequencyCapCountsAcrossCampaigns_exemptOnesGoThrough_estimatesCountTheCapped() throws Exception {
        harness.close();
        harness = harness(capped(1_000, 1), 1, 0, null);
        harness.setProcessingTime(0);
        registerUsers(4);
        harness.processElement2(create("c1", Audience.all()), 1);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 1), 1);
        assertThat(of(sent(), "c1"))
                .hasSize(4)
                .allSatisfy(r -> assertThat(r.refusal).isNull());

        harness.processElement2(create("c2", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.ESTIMATE, "c2", 2), 2);
        assertThat(last(StatusKind.ESTIMATED, "c2").capped).isEqualTo(4);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c2", 2), 2);
        assertThat(of(sent(), "c2")).hasSize(4).allSatisfy(r -> {
            assertThat(r.refusedAs).isEqualTo(Outcome.CAPPED);
            assertThat(r.refusal).contains("frequency cap").contains("apps.news.frequencyCap");
        });
        assertThat(last(StatusKind.FANNED_OUT, "c2").capped).isEqualTo(4);

        CampaignEvent urgent = create("c3", Audience.all());
        urgent.campaign.capExempt = true;
        harness.processElement2(urgent, 3);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c3", 3), 3);
        assertThat(of(sent(), "c3"))
                .hasSize(4)
                .allSatisfy(r -> assertThat(r.refusal).isNull());

        harness.setProcessingTime(Duration.ofHours(24).toMillis() + 1); // the first send left the window
        harness.processElement2(create("c4", Audience.all()), 4);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c4", 4), 4);
        assertThat(of(sent(), "c4"))
                .hasSize(4)
                .allSatisfy(r -> assertThat(r.refusal).isNull());
    }

    private static FanOutSettings guarded(int max) {
        return settings(1_000)
                .runawayGuards(Map.of("news", new RunawayGuard(max, Duration.ofHours(1))))
                .build();
    }

    private List<CampaignStatus> alerts() throws Exception {
        return statuses().stream().filter(st -> st.status == StatusKind.RUNAWAY).toList();
    }

    @Test
    void theRunawayGuardCountsSendsAndEveryCampaign_capsPastIt_namesTheUserOncePerWindow_acrossARestore()
            throws Exception {
        harness.close();
        harness = harness(guarded(3), 1, 0, null);
        harness.setProcessingTime(0);
        register("ana", "a1", Platform.IOS, "en", true);
        register("ana", "a2", Platform.ANDROID, "en", true);
        register("bob", "b1", Platform.IOS, "en", true);
        harness.processElement2(create("tx", Audience.all()), 1);
        harness.processElement1(UserUpdate.of(send("tx", "ana", "s1", 2)), 2);
        harness.processElement1(UserUpdate.of(send("tx", "ana", "s2", 3)), 3);
        CampaignEvent exempt = create("c1", Audience.all());
        exempt.campaign.capExempt = true; // exempt from frequency caps, not from the guard
        harness.processElement2(exempt, 4);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        assertThat(sent())
                .as("two sends and a campaign: three for ana (once per send, not per device), one for bob")
                .hasSize(2 + 2 + 2 + 1)
                .allSatisfy(r -> assertThat(r.refusal).isNull());
        assertThat(alerts()).isEmpty();

        harness.processElement1(UserUpdate.of(send("tx", "ana", "s3", 5)), 5);
        assertThat(of(sent(), "tx").stream().filter(r -> r.notificationId.startsWith("tx/s3/")))
                .hasSize(2)
                .allSatisfy(r -> {
                    assertThat(r.refusedAs).isEqualTo(Outcome.CAPPED);
                    assertThat(r.refusal)
                            .isEqualTo(
                                    "runaway guard: 3 notifications per user in PT1H reached (apps.news.runawayGuard)");
                });
        assertThat(last(StatusKind.SENT, "tx").capped).isEqualTo(2);
        assertThat(alerts()).singleElement().satisfies(a -> {
            assertThat(a.appId).isEqualTo("news");
            assertThat(a.userId).isEqualTo("ana");
            assertThat(a.campaignId).isEqualTo("tx");
            assertThat(a.error).contains("apps.news.runawayGuard");
        });

        OperatorSubtaskState checkpoint = harness.snapshot(1, 6);
        harness.close();
        harness = harness(guarded(3), 1, 0, checkpoint);
        harness.setProcessingTime(10);
        harness.processElement2(create("c2", Audience.all()), 10);
        harness.processElement2(control(CampaignEvent.Type.ESTIMATE, "c2", 10), 10);
        assertThat(last(StatusKind.ESTIMATED, "c2").capped)
                .as("after a restore the counts are there: ana's two devices would be capped")
                .isEqualTo(2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c2", 11), 11);
        harness.processElement1(UserUpdate.of(send("tx", "ana", "s4", 12)), 12);
        List<SendRequest> after = sent();
        assertThat(after.stream().filter(r -> r.userId.equals("ana")))
                .hasSize(4)
                .allSatisfy(r -> assertThat(r.refusedAs).isEqualTo(Outcome.CAPPED));
        assertThat(after.stream().filter(r -> r.userId.equals("bob")))
                .singleElement()
                .satisfies(r -> assertThat(r.refusal).isNull());
        assertThat(alerts())
                .as("ana was named once in this window, before the restore")
                .isEmpty();

        long hourLater = Duration.ofHours(1).toMillis() + 3;
        harness.setProcessingTime(hourLater); // s1 and s2 left the window: two more may go
        harness.processElement1(UserUpdate.of(send("tx", "ana", "s5", hourLater)), hourLater);
        assertThat(of(sent(), "tx").stream().filter(r -> r.notificationId.startsWith("tx/s5/")))
                .hasSize(2)
                .allSatisfy(r -> assertThat(r.refusal).isNull());
    }

    /** The fan-out with a fire guard, its counts going to a real {@link FireCheckCoordinator}. */
    private final class Guarded {
        final FanOutOperator operator;
        final List<OperatorEvent> counts = new ArrayList<>();
        final EventReceivingTasks tasks = EventReceivingTasks.createForRunningTasks();
        final OperatorCoordinator coordinator;
        int answered;

        Guarded(FireGuard guard, OperatorSubtaskState restoreFrom) throws Exception {
            this(guard, restoreFrom, Map.of());
        }

        Guarded(FireGuard guard, OperatorSubtaskState restoreFrom, Map<String, List<String>> seeds) throws Exception {
            operator = new FanOutOperator(settings(1_000)
                    .fireGuards(Map.of("news", guard))
                    .seeds(seeds)
                    .build());
            operator.reportTo(counts::add);
            OperatorID id = new OperatorID();
            coordinator = new FireCheckCoordinator.Provider(id).create(new MockOperatorCoordinatorContext(id, 1));
            coordinator.start();
            coordinator.executionAttemptReady(0, 0, tasks.createGatewayForSubtask(0, 0));
            harness.close();
            harness = harness(operator, 1, 0, restoreFrom);
        }

        /** Runs the mailbox, passes the counts to the coordinator and its answers back, until nothing moves. */
        void run() throws Exception {
            runMailbox(harness);
            while (!counts.isEmpty()
                    || answered < tasks.getSentEventsForSubtask(0).size()) {
                for (OperatorEvent c : List.copyOf(counts)) {
                    coordinator.handleEventFromOperator(0, 0, c);
                }
                counts.clear();
                List<OperatorEvent> answers = tasks.getSentEventsForSubtask(0);
                while (answered < answers.size()) {
                    operator.handleOperatorEvent(answers.get(answered++));
                }
                runMailbox(harness);
            }
        }
    }

    private static CampaignEvent fire(String id, long at, Long confirmAudience) {
        CampaignEvent e = control(CampaignEvent.Type.FIRE, id, at);
        e.confirmAudience = confirmAudience;
        return e;
    }

    @Test
    void theFireGuardRefusesAFireTooLargeBeforeAnythingIsSent_andAFireThatConfirmsItsAudienceGoes() throws Exception {
        Guarded g = new Guarded(new FireGuard(0.5, null), null);
        registerUsers(4);
        register(
                "user-0",
                "dev-0b",
                Platform.ANDROID,
                "en",
                false); // opted out: one of the app's devices, not the audience
        harness.processElement2(create("c1", Audience.all()), 1);
        harness.processElement2(fire("c1", 2, null), 2);
        g.run();
        assertThat(notifications(harness)).as("nothing sent").isEmpty();
        assertThat(last(StatusKind.CHECKED, "c1").appDevices).isEqualTo(5);
        CampaignStatus refused = last(StatusKind.REJECTED, "c1");
        assertThat(refused.error)
                .isEqualTo("fire refused by apps.news.fireGuard: its audience of 4 devices is more than 0.5 times the"
                        + " app's 5 devices; nothing was sent. To send it, fire it again with \"confirmAudience\": 4"
                        + " (herald campaign fire --confirm-audience 4)");
        assertThat(refused.targeted).isEqualTo(4);
        assertThat(statuses()).as("refused, it never said fired").noneMatch(st -> st.status == StatusKind.FIRED);

        harness.processElement2(fire("c1", 3, 3L), 3);
        g.run();
        assertThat(notifications(harness))
                .as("a confirmation short of the audience: refused again")
                .isEmpty();
        assertThat(last(StatusKind.REJECTED, "c1").error).contains("(the fire confirmed 3)");

        harness.processElement2(fire("c1", 4, 4L), 4);
        g.run();
        assertThat(notifications(harness))
                .hasSize(4)
                .allSatisfy(r -> assertThat(r.refusal).isNull());
        assertThat(last(StatusKind.FANNED_OUT, "c1").targeted).isEqualTo(4);
        assertThat(statuses().stream().filter(st -> st.status == StatusKind.FIRED))
                .as("fired once its guard let it go")
                .hasSize(1);
        harness.processElement2(fire("c1", 5, 4L), 5);
        g.run();
        assertThat(notifications(harness)).as("fired, it is not fired again").hasSize(4);
    }

    @Test
    void aNewDefinitionWrittenWhileAFireIsCountedDropsThatFire_itsTotalsSendNothing() throws Exception {
        Guarded g = new Guarded(new FireGuard(null, 100L), null);
        registerUsers(4);
        harness.processElement2(create("c1", Audience.all()), 1);
        harness.processElement2(fire("c1", 2, null), 2);
        runMailbox(harness);
        assertThat(g.counts).as("counted under the first definition").hasSize(1);
        harness.processElement2(create("c1", Audience.all()), 3); // redefined before the totals came
        g.run();
        assertThat(notifications(harness))
                .as("the fire counted the old definition: dropped")
                .isEmpty();
        assertThat(statuses()).noneMatch(st -> st.status == StatusKind.FIRED);

        harness.processElement2(fire("c1", 4, null), 4);
        g.run();
        assertThat(notifications(harness)).as("fired again, it goes").hasSize(4);
    }

    @Test
    void aConfirmedFireWrittenWhileTheFirstIsCountedIsACheckOfItsOwn_andALostAnswerIsAskedForAgain() throws Exception {
        Guarded g = new Guarded(new FireGuard(0.5, null), null);
        harness.setProcessingTime(0);
        registerUsers(4);
        harness.processElement2(create("c1", Audience.all()), 1);
        harness.processElement2(fire("c1", 2, null), 2);
        runMailbox(harness);
        harness.processElement2(fire("c1", 3, 4L), 3); // before the first fire's totals came
        runMailbox(harness);
        assertThat(g.counts).as("two checks, each counted").hasSize(2);
        g.counts.remove(1); // the second's count is lost on its way (the instance was not ready, say)
        g.run();
        assertThat(notifications(harness)).isEmpty();
        assertThat(last(StatusKind.REJECTED, "c1").error).contains("\"confirmAudience\": 4");

        harness.setProcessingTime(FireChecks.ASK_AGAIN_MS); // asked again a second later
        g.run();
        assertThat(notifications(harness)).as("the confirmed fire went, once").hasSize(4);
        harness.setProcessingTime(10 * FireChecks.ASK_AGAIN_MS);
        g.run();
        assertThat(g.counts).as("nothing waits: nothing is asked again").isEmpty();
        assertThat(notifications(harness)).hasSize(4);
    }

    @Test
    void aFireAndACheckOfItRestoredOnOneInstanceBecomeOneFire_eachDeviceOnce() throws Exception {
        oneOfTwoAnsweredThenRestoredOnOne(0);
    }

    @Test
    void restoredWhereTheCopyOfTheCampaignsSaysCreated_aFireResumedCountsAsFired_andIsNotFiredAgain() throws Exception {
        // The second instance had its totals and fired; the first, still waiting, had the campaign as
        // created, and its copy of the campaigns is the one restored on a single instance.
        List<OperatorEvent> asked = oneOfTwoAnsweredThenRestoredOnOne(1);
        harness.processElement2(fire("c1", 5, 30L), 5);
        runMailbox(harness);
        assertThat(asked)
                .as("the campaign is fired: a fire record starts no check")
                .isEmpty();
        assertThat(last(StatusKind.IGNORED, "c1")).isNotNull();
        assertThat(ids(notifications(harness))).as("nothing sent again").doesNotHaveDuplicates();
    }

    /**
     * Two instances, one coordinator; the totals reach instance {@code answeredFirst} and not yet the
     * other when the checkpoint is taken; restored on one instance, it holds the first's fire, part
     * walked, and the other's check: one fire over both, each device once.
     *
     * @return what the restored instance sends its coordinator
     */
    private List<OperatorEvent> oneOfTwoAnsweredThenRestoredOnOne(int answeredFirst) throws Exception {
        OperatorID id = new OperatorID();
        EventReceivingTasks tasks = EventReceivingTasks.createForRunningTasks();
        OperatorCoordinator coordinator =
                new FireCheckCoordinator.Provider(id).create(new MockOperatorCoordinatorContext(id, 2));
        coordinator.start();
        List<List<OperatorEvent>> counts = List.of(new ArrayList<>(), new ArrayList<>());
        List<KeyedTwoInputStreamOperatorTestHarness<String, UserUpdate, CampaignEvent, SendRequest>> two =
                new ArrayList<>();
        FanOutSettings guarded =
                settings(3).fireGuards(Map.of("news", new FireGuard(null, 5L))).build();
        for (int i = 0; i < 2; i++) {
            coordinator.executionAttemptReady(i, 0, tasks.createGatewayForSubtask(i, 0));
            FanOutOperator op = new FanOutOperator(guarded);
            op.reportTo(counts.get(i)::add);
            var h = harness(op, 2, i, null);
            others.add(h);
            two.add(h);
        }
        FanOutOperator first = (FanOutOperator) two.get(answeredFirst).getOperator();
        harness.close();
        for (int u = 0; u < 30; u++) {
            String user = "user-" + u;
            harness = two.get(KeyGroupRangeAssignment.assignKeyToParallelOperator(user, MAX_PARALLELISM, 2));
            register(user, "dev-" + u, Platform.IOS, "en", true);
        }
        for (var h : two) {
            h.processElement2(create("c1", Audience.all()), 2);
            h.processElement2(fire("c1", 3, 30L), 3);
            runMailbox(h);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(counts.get(i)).hasSize(1);
            coordinator.handleEventFromOperator(i, 0, counts.get(i).get(0));
        }
        first.handleOperatorEvent(tasks.getSentEventsForSubtask(answeredFirst).get(0)); // the other's is on its way
        runOneMail(two.get(answeredFirst));
        List<String> before = ids(notifications(two.get(answeredFirst)));
        assertThat(before)
                .as("the answered instance walked one chunk of its fire")
                .hasSize(3);
        assertThat(notifications(two.get(1 - answeredFirst))).isEmpty();
        OperatorSubtaskState both = AbstractStreamOperatorTestHarness.repackageState(
                two.get(0).snapshot(1, 10), two.get(1).snapshot(1, 10));

        FanOutOperator restored = new FanOutOperator(guarded);
        List<OperatorEvent> asked = new ArrayList<>();
        restored.reportTo(asked::add);
        harness = harness(
                restored,
                1,
                0,
                AbstractStreamOperatorTestHarness.repartitionOperatorState(both, MAX_PARALLELISM, 2, 1, 0));
        runMailbox(harness);
        List<String> all = new ArrayList<>(before);
        all.addAll(ids(notifications(harness)));
        assertThat(all)
                .as("each device exactly once over both runs")
                .hasSize(30)
                .doesNotHaveDuplicates();
        assertThat(asked).as("nothing left to count").isEmpty();
        return asked;
    }

    @Test
    void aFireWaitingForTheWholeJobsCountGoesOnAfterARestore_countedAgainAndSentOnce() throws Exception {
        Guarded g = new Guarded(new FireGuard(null, 3L), null);
        registerUsers(4);
        harness.processElement2(create("c1", Audience.all()), 1);
        harness.processElement2(fire("c1", 2, 4L), 2);
        runMailbox(harness); // counted here; the coordinator's answer never comes (the job fails)
        assertThat(g.counts).hasSize(1);
        OperatorSubtaskState checkpoint = harness.snapshot(1, 3);

        Guarded again = new Guarded(new FireGuard(null, 3L), checkpoint);
        again.run();
        assertThat(again.tasks.getSentEventsForSubtask(0)).hasSize(1);
        assertThat(notifications(harness))
                .as("the restored instance asked again; the confirmed fire went once")
                .hasSize(4);
    }

    @Test
    void aFrequencyCapStaysExactAcrossARestore_neitherLostNorCountedTwice() throws Exception {
        harness.close();
        harness = harness(capped(3, 2), 1, 0, null);
        harness.setProcessingTime(0);
        registerUsers(10);
        harness.processElement2(create("c1", Audience.all()), 1);
        harness.processElement2(create("c2", Audience.all()), 1);
        harness.processElement2(create("c3", Audience.all()), 1);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 1), 1);
        runOneMail(harness);
        List<String> before = ids(notifications(harness));
        assertThat(before).hasSize(3);
        OperatorSubtaskState checkpoint = harness.snapshot(1, 10);
        runOneMail(harness); // counted after the checkpoint: lost with the crash, walked and counted again
        harness.close();

        harness = harness(capped(3, 2), 1, 0, checkpoint);
        List<String> after = ids(sent());
        assertThat(after).hasSize(7).doesNotContainAnyElementsOf(before);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c2", 2), 2);
        assertThat(of(sent(), "c2"))
                .as("one campaign counted once each: the second is allowed to all")
                .hasSize(10)
                .allSatisfy(r -> assertThat(r.refusal).isNull());
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c3", 3), 3);
        assertThat(of(sent(), "c3"))
                .as("two counted: the third is capped for all")
                .hasSize(10)
                .allSatisfy(r -> assertThat(r.refusedAs).isEqualTo(Outcome.CAPPED));
    }

    private void registerIn(String user, String zone) throws Exception {
        DeviceEvent e = new DeviceEvent();
        e.type = DeviceEvent.Type.REGISTER;
        e.userId = user;
        e.deviceId = user + "-d";
        e.appId = "news";
        e.platform = Platform.IOS;
        e.token = "tok-" + user;
        e.locale = "en";
        e.timezone = zone;
        e.optIn = true;
        e.version = 1;
        harness.processElement1(UserUpdate.of(e), 1);
    }

    private static CampaignEvent atLocalTime(String id, String time, String passed, long createdAt) {
        CampaignEvent e = create(id, Audience.all());
        e.timestamp = createdAt;
        e.campaign.schedule = new Schedule();
        e.campaign.schedule.date = "2026-11-26";
        e.campaign.schedule.localTime = time;
        e.campaign.schedule.defaultTimezone = "Europe/London";
        e.campaign.schedule.passedZones = passed;
        return e;
    }

    private static long utc(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    /**
     * Users in Tokyo, London, New York and no zone (London's, the default), and on 2026-11-25 at noon
     * UTC campaign c1 for 09:00 local the next day.
     */
    private void fourZonesAndNineOClockEverywhere() throws Exception {
        long created = utc("2026-11-25T12:00:00Z");
        at(created);
        registerIn("tokyo", "Asia/Tokyo");
        registerIn("london", "Europe/London");
        registerIn("nozone", null);
        registerIn("newyork", "America/New_York");
        harness.processElement2(atLocalTime("c1", "09:00", null, created), 2);
    }

    @Test
    void aLocalTimeCampaignReachesEachZoneAtItsOwnNineOClock_onceEach_acrossARestore() throws Exception {
        fourZonesAndNineOClockEverywhere();
        harness.processElement2(control(CampaignEvent.Type.ESTIMATE, "c1", 3), 3);
        assertThat(last(StatusKind.ESTIMATED, "c1").bySchedule)
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("2026-11-26T00:00:00Z", 1L, "2026-11-26T09:00:00Z", 2L, "2026-11-26T14:00:00Z", 1L));

        at(utc("2026-11-25T23:59:59Z"));
        assertThat(sent()).isEmpty();
        at(utc("2026-11-26T00:00:00Z"));
        assertThat(ids(sent())).containsExactly("c1/tokyo-d");
        assertThat(kinds("c1")).contains(StatusKind.FIRED);
        OperatorSubtaskState checkpoint = harness.snapshot(1, 10);
        harness.close();

        harness = harness(1_000, 1, 0, checkpoint);
        at(utc("2026-11-26T09:00:00Z"));
        assertThat(ids(sent()))
                .as("London's nine, and the default zone's; Tokyo not again")
                .containsExactlyInAnyOrder("c1/london-d", "c1/nozone-d");
        at(utc("2026-11-26T13:59:00Z"));
        assertThat(sent()).hasSize(2);
        at(utc("2026-11-26T14:00:00Z"));
        assertThat(ids(sent())).hasSize(3).contains("c1/newyork-d");
        assertThat(kinds("c1")).doesNotContain(StatusKind.FIRED); // fired once, before the restore
    }

    @Test
    void aGuardedAppsLocalTimeScheduleIsCountedWholeAtItsFirstMoment_thenEachZoneGoesAtItsTime() throws Exception {
        Guarded g = new Guarded(new FireGuard(null, 10L), null);
        fourZonesAndNineOClockEverywhere();
        at(utc("2026-11-26T00:00:00Z")); // Tokyo's nine
        g.run();
        assertThat(last(StatusKind.CHECKED, "c1").targeted)
                .as("the whole audience, every zone")
                .isEqualTo(4);
        assertThat(ids(sent())).as("allowed: Tokyo's nine goes").containsExactly("c1/tokyo-d");
        at(utc("2026-11-26T09:00:00Z"));
        g.run();
        assertThat(ids(sent())).containsExactlyInAnyOrder("c1/tokyo-d", "c1/london-d", "c1/nozone-d");
        at(utc("2026-11-26T14:00:00Z"));
        g.run();
        assertThat(ids(sent())).hasSize(4).doesNotHaveDuplicates().contains("c1/newyork-d");
        assertThat(kinds("c1").stream().filter(k -> k == StatusKind.CHECKED || k == StatusKind.FIRED))
                .as("counted once, fired once")
                .containsExactly(StatusKind.CHECKED, StatusKind.FIRED);
    }

    @Test
    void aGuardedAppsLocalTimeScheduleOverItsGuardIsRefused_noZoneGetsIt() throws Exception {
        Guarded g = new Guarded(new FireGuard(null, 3L), null);
        fourZonesAndNineOClockEverywhere();
        at(utc("2026-11-26T00:00:00Z")); // Tokyo's nine
        g.run();
        assertThat(last(StatusKind.REJECTED, "c1").error).contains("its audience of 4 devices is more than 3");
        long later = utc("2026-11-26T00:00:01Z");
        at(later);
        harness.processElement2(fire("c1", later, null), later); // a fire by hand, unconfirmed: refused too
        g.run();
        at(utc("2026-11-26T09:00:00Z"));
        g.run();
        at(utc("2026-11-26T14:00:00Z"));
        g.run();
        assertThat(sent()).as("not even Tokyo's nine").isEmpty();
        assertThat(kinds("c1").stream().filter(k -> k == StatusKind.CHECKED))
                .as("counted at the first moment and for the fire by hand, not again at each moment")
                .hasSize(2);
        assertThat(kinds("c1")).doesNotContain(StatusKind.FIRED);
    }

    @Test
    void aFireByHandCountedBesideAGuardedSchedulesCheck_isIgnoredWhenTheScheduleIsLetGoFirst() throws Exception {
        Guarded g = new Guarded(new FireGuard(null, 10L), null);
        fourZonesAndNineOClockEverywhere();
        long nine = utc("2026-11-26T00:00:00Z");
        at(nine); // Tokyo's nine: the schedule's check starts
        harness.processElement2(fire("c1", nine + 1, 4L), nine + 1); // and a fire by hand, counted beside it
        g.run();
        assertThat(ids(sent()))
                .as("the schedule's check answered first: Tokyo's nine")
                .containsExactly("c1/tokyo-d");
        assertThat(last(StatusKind.IGNORED, "c1").error).isEqualTo("fired by its schedule while this fire was counted");
        at(utc("2026-11-26T14:00:00Z"));
        g.run();
        assertThat(ids(sent())).hasSize(4).doesNotHaveDuplicates();
    }

    @Test
    void aLocalTimeFollowsEachZonesClockOnTheDayNewYorkSpringsForward() throws Exception {
        long created = utc("2026-03-07T12:00:00Z");
        at(created);
        registerIn("newyork", "America/New_York");
        registerIn("london", "Europe/London");
        CampaignEvent dst = atLocalTime("dst", "09:00", null, created);
        dst.campaign.schedule.date = "2026-03-08"; // New York is on EDT (UTC-4) from 02:00 that night
        harness.processElement2(dst, 2);
        at(utc("2026-03-08T09:00:00Z"));
        assertThat(ids(sent())).containsExactly("dst/london-d");
        at(utc("2026-03-08T12:59:00Z"));
        assertThat(sent())
                .as("09:00 EST would be 14:00 UTC; 09:00 EDT is 13:00 UTC")
                .hasSize(1);
        at(utc("2026-03-08T13:00:00Z"));
        assertThat(ids(sent())).containsExactlyInAnyOrder("dst/london-d", "dst/newyork-d");
    }

    @Test
    void zonesWhoseTimeHadPassedAreSkippedOrSentAtOnce_asTheCampaignSays() throws Exception {
        long created = utc("2026-11-26T10:00:00Z"); // nine o'clock has passed in Tokyo and London
        at(created);
        registerIn("tokyo", "Asia/Tokyo");
        registerIn("london", "Europe/London");
        registerIn("newyork", "America/New_York");
        harness.processElement2(atLocalTime("skip", "09:00", "skip", created), 2);
        harness.processElement2(atLocalTime("now", "09:00", "send_now", created), 2);
        at(created + 1); // a timer is due when the clock next moves (at once on a real clock)
        assertThat(ids(sent())).containsExactlyInAnyOrder("now/tokyo-d", "now/london-d");
        at(utc("2026-11-26T14:00:00Z"));
        assertThat(ids(sent()))
                .hasSize(4)
                .contains("skip/newyork-d", "now/newyork-d")
                .doesNotContain("skip/tokyo-d", "skip/london-d");
    }

    private static FanOutSettings quietAtNight() {
        QuietHoursSpec night = new QuietHoursSpec();
        night.from = "22:00";
        night.to = "08:00";
        return settings(1_000).quietHours(Map.of("news", QuietHours.of(night))).build();
    }

    @Test
    void quietHoursHoldADevicesNotificationUntilItsWindowEnds_inItsOwnZone_onceAcrossARestore() throws Exception {
        harness.close();
        harness = harness(quietAtNight(), 1, 0, null);
        long night = utc("2026-11-25T23:00:00Z"); // 23:00 in London, 08:00 in Tokyo, 18:00 in New York
        at(night);
        registerIn("london", "Europe/London");
        registerIn("tokyo", "Asia/Tokyo");
        registerIn("newyork", "America/New_York");
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", night), 2);
        assertThat(ids(sent())).containsExactlyInAnyOrder("c1/tokyo-d", "c1/newyork-d");
        assertThat(last(StatusKind.FANNED_OUT, "c1").quietHours).isEqualTo(1);
        // A transactional send is not held.
        harness.processElement1(UserUpdate.of(send("c1", "london", "tx", night)), night);
        assertThat(ids(sent())).contains("c1/tx/london-d");
        OperatorSubtaskState checkpoint = harness.snapshot(1, 10);
        harness.close();

        harness = harness(quietAtNight(), 1, 0, checkpoint);
        at(utc("2026-11-26T07:59:00Z"));
        assertThat(sent()).isEmpty();
        at(utc("2026-11-26T08:00:00Z"));
        assertThat(ids(sent())).containsExactly("c1/london-d");
        at(utc("2026-11-27T08:00:00Z"));
        assertThat(sent()).hasSize(1);
    }

    @Test
    void aCampaignCanDropWhatQuietHoursWouldHold_withAReceipt_orIgnoreThem() throws Exception {
        harness.close();
        harness = harness(quietAtNight(), 1, 0, null);
        long night = utc("2026-11-25T23:00:00Z");
        at(night);
        registerIn("london", "Europe/London");
        registerIn("tokyo", "Asia/Tokyo");
        CampaignEvent drop = create("drop", Audience.all());
        drop.campaign.quietHours = new QuietHoursSpec();
        drop.campaign.quietHours.from = "22:00";
        drop.campaign.quietHours.to = "08:00";
        drop.campaign.quietHours.action = "drop";
        CampaignEvent urgent = create("urgent", Audience.all());
        urgent.campaign.quietHours = new QuietHoursSpec();
        urgent.campaign.quietHours.off = true;
        harness.processElement2(drop, 2);
        harness.processElement2(urgent, 2);
        harness.processElement2(control(CampaignEvent.Type.ESTIMATE, "drop", night), 2);
        assertThat(last(StatusKind.ESTIMATED, "drop").quietHours).isEqualTo(1);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "drop", night), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "urgent", night), 2);
        List<SendRequest> all = sent();
        assertThat(of(all, "drop"))
                .hasSize(2)
                .filteredOn(r -> r.deviceId.equals("london-d"))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.refusedAs).isEqualTo(Outcome.QUIET_HOURS);
                    assertThat(r.refusal).contains("quiet hours");
                });
        assertThat(of(all, "urgent"))
                .hasSize(2)
                .allSatisfy(r -> assertThat(r.refusal).isNull());
        at(utc("2026-11-26T08:00:00Z"));
        assertThat(sent()).as("nothing was held").hasSize(4);
    }

    @Test
    void aWalkingInstanceReportsItsProgressAboutOnceASecond() throws Exception {
        harness.close();
        harness = harness(2, 1, 0, null);
        registerUsers(10);
        harness.setProcessingTime(0);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        runOneMail(harness);
        assertThat(statuses(harness)).noneMatch(st -> st.status == StatusKind.PROGRESS);
        harness.setProcessingTime(1_000);
        runOneMail(harness);
        runOneMail(harness);
        harness.setProcessingTime(2_000);
        runOneMail(harness);
        List<CampaignStatus> progress = statuses(harness).stream()
                .filter(st -> st.status == StatusKind.PROGRESS)
                .toList();
        assertThat(progress).extracting(st -> st.handedOut).containsExactly(4L, 8L);
        assertThat(progress).allSatisfy(st -> {
            assertThat(st.subtask).isZero();
            assertThat(st.keyGroups).isEqualTo(MAX_PARALLELISM);
            assertThat(st.targeted).isEqualTo(st.handedOut);
        });
    }

    @Test
    void anEstimateWalksInChunksToo() throws Exception {
        harness.close();
        harness = harness(3, 1, 0, null);
        registerUsers(10);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.ESTIMATE, "c1", 3), 3);
        runOneMail(harness);
        assertThat(statuses(harness)).noneMatch(st -> st.status == StatusKind.ESTIMATED);
        runMailbox(harness);
        assertThat(statuses(harness))
                .filteredOn(st -> st.status == StatusKind.ESTIMATED)
                .singleElement()
                .satisfies(st -> {
                    assertThat(st.users).isEqualTo(10);
                    assertThat(st.targeted).isEqualTo(10);
                    assertThat(st.byPlatform).containsEntry("ios", 5L).containsEntry("android", 5L);
                });
        assertThat(notifications(harness)).isEmpty();
    }

    @Test
    void aCampaignReplacedBeforeItsFireSendsItsNewMessage_transactionalSendsToo() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement1(UserUpdate.of(send("c1", "ana", "s1", 3)), 3);
        CampaignEvent replaced = create("c1", Audience.all());
        replaced.campaign.message.variants = Map.of("en", new Content("Bye {name}", "Gone"));
        harness.processElement2(replaced, 4);
        harness.processElement1(UserUpdate.of(send("c1", "ana", "s2", 5)), 5);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 6), 6);
        assertThat(sent())
                .extracting(r -> r.notificationId + " " + r.payload.contains("Bye ANA"))
                .containsExactly("c1/s1/a1 false", "c1/s2/a1 true", "c1/a1 true");
    }

    @Test
    void aSendThatTargetsNoDeviceIsSkippedWithWhy_notSentToNone() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        register("bo", "b1", Platform.IOS, "en", false);
        register("cy", "c1", Platform.IOS, "de", true);
        CampaignEvent english = create("c1", Audience.all());
        english.campaign.audience.locales = List.of("en");
        harness.processElement2(english, 2);
        harness.processElement1(UserUpdate.of(send("c1", "nobody", "s1", 3)), 3);
        harness.processElement1(UserUpdate.of(send("c1", "bo", "s2", 4)), 4);
        harness.processElement1(UserUpdate.of(send("c1", "cy", "s3", 5)), 5);
        harness.processElement1(UserUpdate.of(send("c1", "ana", "s4", 6)), 6);
        assertThat(sent()).extracting(r -> r.notificationId).containsExactly("c1/s4/a1");
        assertThat(statuses())
                .filteredOn(st -> st.status == StatusKind.SENT || st.status == StatusKind.SKIPPED)
                .extracting(st -> st.status + " " + st.targeted + " " + st.error)
                .containsExactly(
                        "SKIPPED 0 send s1 to nobody: the user has no device",
                        "SKIPPED 0 send s2 to bo: none of the user's 1 devices can receive it"
                                + " (opted out, uninstalled or a dead token)",
                        "SKIPPED 0 send s3 to cy: none of the user's 1 devices is in the campaign's audience",
                        "SENT 1 null");
    }

    /** A fire's time in 2026 (segments compare times with it). */
    private static final long DAY_2026 = 1_764_000_000_000L;

    /** Campaign {@code id} with arms "short" and "long" (weights 1 and 3) and a quarter of users held out. */
    private static CampaignEvent experiment(String id) {
        CampaignEvent e = create(id, Audience.all());
        Message message = e.campaign.message;
        e.campaign.message = null;
        e.campaign.arms = new ArrayList<>();
        for (String[] arm : new String[][] {{"short", "1", "Hi"}, {"long", "3", "Hello there"}}) {
            Arm a = new Arm();
            a.name = arm[0];
            a.weight = Integer.parseInt(arm[1]);
            a.message = new Message();
            a.message.defaultLocale = message.defaultLocale;
            a.message.defaults = message.defaults;
            a.message.variants =
                    Map.of("en", new Content(arm[2] + " {name}", "News"), "de", new Content(arm[2], "Neu"));
            e.campaign.arms.add(a);
        }
        e.campaign.holdout = 0.25;
        return e;
    }

    @Test
    void aTestSendsItsShare_thenTheWinnerRecordSendsTheRestTheWinnerOnce_andOnlyOnce() throws Exception {
        registerUsers(60);
        CampaignEvent tested = experiment("c1");
        tested.campaign.test = new WinnerTest();
        tested.campaign.test.share = 0.5;
        tested.campaign.test.decideAfter = "PT1H";
        harness.processElement2(tested, 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        ArmAssignment arms = ArmAssignment.of("c1", List.of(1, 3), 0.25);
        List<SendRequest> atTest = sent();
        assertThat(atTest)
                .isNotEmpty()
                .allSatisfy(r ->
                        assertThat(ArmAssignment.inTest("c1", r.userId, 0.5)).isTrue());
        CampaignStatus fanned = last(StatusKind.FANNED_OUT, "c1");
        assertThat(fanned.deferred).isPositive();
        assertThat(fanned.targeted + fanned.deferred + fanned.heldOut).isEqualTo(60);

        CampaignEvent winner = control(CampaignEvent.Type.WINNER, "c1", 4);
        winner.arm = "long";
        harness.processElement2(winner, 4);
        List<SendRequest> all = sent();
        List<SendRequest> rest = all.subList(atTest.size(), all.size());
        assertThat(rest).hasSize((int) (long) fanned.deferred).allSatisfy(r -> {
            assertThat(r.arm).isEqualTo("long");
            assertThat(ArmAssignment.inTest("c1", r.userId, 0.5)).isFalse();
            assertThat(arms.armOf(r.userId)).isNotEqualTo(ArmAssignment.HOLDOUT);
        });
        assertThat(all).extracting(r -> r.userId).doesNotHaveDuplicates();

        CampaignEvent again = control(CampaignEvent.Type.WINNER, "c1", 5);
        again.arm = "short";
        harness.processElement2(again, 5);
        CampaignEvent nonsense = control(CampaignEvent.Type.WINNER, "c1", 6);
        nonsense.arm = "no-such-arm";
        harness.processElement2(nonsense, 6);
        assertThat(sent()).hasSize(all.size());
        assertThat(statuses())
                .filteredOn(st -> st.status == StatusKind.IGNORED || st.status == StatusKind.REJECTED)
                .extracting(st -> st.status + ": " + st.error)
                .containsExactly(
                        "IGNORED: its winner was sent already: arm long",
                        "REJECTED: winner names no arm of the campaign (no-such-arm)");
    }

    @Test
    void anExperimentSendsEachUserItsArmsMessage_countsArmsAndHoldout_inEstimatesFiresAndSends_acrossARestore()
            throws Exception {
        harness.close();
        harness = harness(7, 1, 0, null);
        registerUsers(60);
        harness.processElement2(experiment("c1"), 2);
        ArmAssignment arms = ArmAssignment.of("c1", List.of(1, 3), 0.25);
        Map<String, Long> expected = new TreeMap<>();
        long heldOut = 0;
        String heldOutUser = null;
        for (int i = 0; i < 60; i++) {
            int arm = arms.armOf("user-" + i);
            if (arm == ArmAssignment.HOLDOUT) {
                heldOut++;
                heldOutUser = "user-" + i;
            } else {
                expected.merge(arm == 0 ? "short" : "long", 1L, Long::sum);
            }
        }
        assertThat(heldOut).as("some of 60 users are held out").isPositive();
        harness.processElement2(control(CampaignEvent.Type.ESTIMATE, "c1", 3), 3);
        CampaignStatus estimate = last(StatusKind.ESTIMATED, "c1");
        assertThat(estimate.byArm).isEqualTo(expected);
        assertThat(estimate.heldOut).isEqualTo(heldOut);
        assertThat(estimate.targeted).isEqualTo(60 - heldOut);

        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        runOneMail(harness);
        runOneMail(harness);
        List<SendRequest> before = new ArrayList<>(notifications(harness));
        OperatorSubtaskState checkpoint = harness.snapshot(1, 10);
        List<SendRequest> all = new ArrayList<>(before);
        List<CampaignStatus> reports = new ArrayList<>();
        restoreOnTwo(checkpoint, all::addAll, reports::addAll);
        assertThat(all).extracting(r -> r.userId).doesNotHaveDuplicates().hasSize((int) (60 - heldOut));
        assertThat(all).allSatisfy(r -> {
            int arm = arms.armOf(r.userId);
            assertThat(arm).as(r.userId + " is not held out").isNotEqualTo(ArmAssignment.HOLDOUT);
            assertThat(r.arm).isEqualTo(arm == 0 ? "short" : "long");
            assertThat(r.payload).contains(arm == 0 ? "\"Hi USER-" : "\"Hello there USER-");
        });
        List<CampaignStatus> fannedOut =
                reports.stream().filter(r -> r.status == StatusKind.FANNED_OUT).toList();
        assertThat(fannedOut).hasSize(2);
        Map<String, Long> byArm = new TreeMap<>();
        fannedOut.forEach(r -> r.byArm.forEach((k, v) -> byArm.merge(k, v, Long::sum)));
        assertThat(byArm).as("counts per arm add up across the restore").isEqualTo(expected);
        assertThat(fannedOut.stream().mapToLong(r -> r.heldOut).sum()).isEqualTo(heldOut);

        // A transactional send to a held-out user sends nothing and says why; to another, its arm.
        String inArm = all.get(0).userId;
        harness.processElement1(UserUpdate.of(send("c1", heldOutUser, "s1", 5)), 5);
        harness.processElement1(UserUpdate.of(send("c1", inArm, "s2", 6)), 6);
        assertThat(sent())
                .filteredOn(r -> r.notificationId.contains("/s"))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.userId).isEqualTo(inArm);
                    assertThat(r.arm).isEqualTo(all.get(0).arm);
                });
        assertThat(statuses())
                .filteredOn(st -> st.status == StatusKind.SENT || st.status == StatusKind.SKIPPED)
                .extracting(st -> st.status + " " + st.heldOut + " " + st.byArm + " " + st.error)
                .containsExactly(
                        "SKIPPED 1 null send s1 to " + heldOutUser
                                + ": the user is in the campaign's holdout (sent nothing, measured against)",
                        "SENT null {" + all.get(0).arm + "=1} null");
    }

    @Test
    void anErasedUserReleasesTheClaimsOfItsDevices_andOfClaimsThatComeLate() throws Exception {
        register("ana", "a1", Platform.IOS, "en", true);
        register("ana", "a2", Platform.ANDROID, "en", true);
        DeviceEvent erase = new DeviceEvent();
        erase.type = DeviceEvent.Type.ERASE_USER;
        erase.userId = "ana";
        erase.version = 5;
        harness.processElement1(UserUpdate.of(erase), 2);
        register("ana", "a3", Platform.IOS, "en", true); // version 1: older than the erase, come late
        var side = harness.getSideOutput(Descriptors.RELEASED_CLAIMS);
        assertThat(side)
                .extracting(r -> r.getValue().deviceId + " " + r.getValue().token + " @" + r.getValue().version)
                .containsExactlyInAnyOrder("a1 tok-a1 @5", "a2 tok-a2 @5", "a3 tok-a3 @5");
        harness.processElement2(create("c1", Audience.all()), 3);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 4), 4);
        assertThat(sent()).isEmpty();
    }

    /** A fan-out that starts at processing time {@code now}, from {@code restoreFrom} if not null. */
    private KeyedTwoInputStreamOperatorTestHarness<String, UserUpdate, CampaignEvent, SendRequest> startedAt(
            long now, OperatorSubtaskState restoreFrom) throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<String, UserUpdate, CampaignEvent, SendRequest>(
                new FanOutOperator(settings(1_000).build()),
                UserUpdate::userId,
                null,
                Types.STRING,
                MAX_PARALLELISM,
                1,
                0);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        h.setup();
        h.setProcessingTime(now);
        if (restoreFrom != null) {
            h.initializeState(restoreFrom);
        }
        h.open();
        others.add(h);
        return h;
    }

    @Test
    void aJobStartedWithoutStateTakesFiresWrittenBeforeItForHistory() throws Exception {
        long now = 100_000_000;
        var h = startedAt(now, null);
        register(h, "ana", "a1");
        h.processElement2(create("old", Audience.all()), now);
        h.processElement2(control(CampaignEvent.Type.FIRE, "old", now - 3_600_000), now);
        h.processElement2(create("new", Audience.all()), now);
        h.processElement2(control(CampaignEvent.Type.FIRE, "new", now - 1_000), now);
        runMailbox(h);
        assertThat(notifications(h)).extracting(r -> r.notificationId).containsExactly("new/a1");
        assertThat(statuses(h))
                .filteredOn(st -> st.status == StatusKind.SKIPPED)
                .singleElement()
                .satisfies(st -> {
                    assertThat(st.campaignId).isEqualTo("old");
                    assertThat(st.error).contains("started without state");
                });
        h.processElement2(control(CampaignEvent.Type.FIRE, "old", now + 5), now);
        runMailbox(h);
        assertThat(statuses(h))
                .filteredOn(st -> st.campaignId.equals("old"))
                .extracting(st -> st.status)
                .as("skipped counts as fired: a later fire is ignored")
                .contains(StatusKind.IGNORED);
    }

    @Test
    void aReplayFromASavepointActsOnRecentFiresAndSkipsOldOnesUnlessTheCampaignAsks() throws Exception {
        long then = 100_000_000;
        var before = startedAt(then, null);
        register(before, "ana", "a1");
        OperatorSubtaskState savepoint = before.snapshot(1, then);
        long now = then + 3 * 3_600_000L;
        var h = startedAt(now, savepoint);
        h.processElement2(create("recent", Audience.all()), now);
        h.processElement2(control(CampaignEvent.Type.FIRE, "recent", now - 600_000), now);
        h.processElement2(create("old", Audience.all()), now);
        h.processElement2(control(CampaignEvent.Type.FIRE, "old", now - 2 * 3_600_000L), now);
        CampaignEvent asks = create("old-but-asked", Audience.all());
        asks.campaign.resumeOnReplay = true;
        h.processElement2(asks, now);
        h.processElement2(control(CampaignEvent.Type.FIRE, "old-but-asked", now - 2 * 3_600_000L), now);
        runMailbox(h);
        assertThat(notifications(h))
                .extracting(r -> r.notificationId)
                .containsExactlyInAnyOrder("recent/a1", "old-but-asked/a1");
        assertThat(statuses(h))
                .filteredOn(st -> st.status == StatusKind.SKIPPED)
                .singleElement()
                .satisfies(st -> assertThat(st.error).contains("120 min before this job was restored"));
    }

    private static void register(
            KeyedTwoInputStreamOperatorTestHarness<String, UserUpdate, CampaignEvent, SendRequest> h,
            String user,
            String device)
            throws Exception {
        DeviceEvent e = new DeviceEvent();
        e.type = DeviceEvent.Type.REGISTER;
        e.userId = user;
        e.deviceId = device;
        e.appId = "news";
        e.platform = Platform.IOS;
        e.token = "tok-" + device;
        e.locale = "en";
        e.version = 1;
        h.processElement1(UserUpdate.of(e), 1);
    }
    /** The room the deliveries in the task of {@code h} would report: set by the test, per platform. */
    private static Map<Platform, int[]> windows(
            AbstractStreamOperatorTestHarness<SendRequest> h, int ios, int android) {
        DeliveryRoom room = DeliveryRoom.of(h.getOperator().getContainingTask());
        Map<Platform, int[]> windows = Map.of(Platform.IOS, new int[] {ios}, Platform.ANDROID, new int[] {android});
        windows.forEach((platform, left) -> room.register(platform, () -> left[0]));
        return windows;
    }

    private void registerBoth(int users) throws Exception {
        for (int i = 0; i < users; i++) {
            register("u" + i, "i" + i, Platform.IOS, "en", true);
            register("u" + i, "a" + i, Platform.ANDROID, "en", true);
        }
    }

    @Test
    void aFullWindowHoldsBackItsOwnPlatformOnly_whichCatchesUpOnceWhenThereIsRoom_acrossARestore() throws Exception {
        harness.close();
        harness = harness(5, 1, 0, null);
        Map<Platform, int[]> windows = windows(harness, 0, 1_000);
        registerBoth(40);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        // APNs has no room: every Android device gets its notification, no iOS device yet; nothing blocks.
        assertThat(sent())
                .extracting(r -> r.platform)
                .containsOnly(Platform.ANDROID)
                .hasSize(40);
        assertThat(kinds("c1")).doesNotContain(StatusKind.FANNED_OUT);
        assertThat(harness.getTaskMailbox().hasMail())
                .as("the walk waits for room without a mail")
                .isFalse();

        OperatorSubtaskState checkpoint = harness.snapshot(1, 1);
        harness.close();
        harness = harness(5, 1, 0, checkpoint);
        windows = windows(harness, 0, 1_000);
        assertThat(sent())
                .as("Android was handed out before the checkpoint; iOS still has no room")
                .isEmpty();

        windows.get(Platform.IOS)[0] = 1_000;
        DeliveryRoom.of(harness.getOperator().getContainingTask()).freed();
        assertThat(sent())
                .extracting(r -> r.notificationId)
                .hasSize(40)
                .doesNotHaveDuplicates()
                .allMatch(id -> id.startsWith("c1/i"));
        CampaignStatus fanned = last(StatusKind.FANNED_OUT, "c1");
        assertThat(fanned.targeted).isEqualTo(80);
        assertThat(fanned.handedOut)
                .as("counted across the restore, each platform once")
                .isEqualTo(80);
        assertThat(fanned.users).isEqualTo(40);
    }

    @Test
    void campaignsWaitingForRoomShareItByWeight_andTheLighterOneStillGoesOn() throws Exception {
        harness.close();
        harness = harness(1_000, 1, 0, null);
        // The deliveries' room: what the test gives, less what was handed out since.
        int[] given = {0};
        DeliveryRoom room = DeliveryRoom.of(harness.getOperator().getContainingTask());
        for (Platform platform : Platform.values()) {
            room.register(platform, () -> given[0] - notifications(harness).size());
        }
        registerUsers(1_000);
        CampaignEvent heavy = create("heavy", Audience.all());
        heavy.campaign.weight = 3;
        harness.processElement2(heavy, 2);
        harness.processElement2(create("light", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "heavy", 3), 3);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "light", 3), 3);
        for (int round = 0; round < 40; round++) {
            given[0] += 10;
            room.freed();
            runMailbox(harness);
        }
        Map<String, Long> byCampaign = notifications(harness).stream()
                .collect(Collectors.groupingBy(r -> r.campaignId, Collectors.counting()));
        assertThat(byCampaign.get("heavy") + byCampaign.get("light")).isEqualTo(400);
        assertThat(byCampaign.get("heavy")).as("three to one").isBetween(290L, 310L);
    }

    @Test
    void withNoRoomAnywhereTheWalkStops_andAFrequencyCappedFireWaitsForEveryPlatform() throws Exception {
        harness.close();
        harness = harness(capped(5, 3), 1, 0, null);
        Map<Platform, int[]> windows = windows(harness, 0, 0);
        registerBoth(10);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(sent()).isEmpty();
        windows.get(Platform.ANDROID)[0] = 1_000;
        DeliveryRoom.of(harness.getOperator().getContainingTask()).freed();
        // A cap is decided once per user for all of the user's devices: the walk does not split.
        assertThat(sent()).isEmpty();
        windows.get(Platform.IOS)[0] = 1_000;
        DeliveryRoom.of(harness.getOperator().getContainingTask()).freed();
        assertThat(sent()).hasSize(20).extracting(r -> r.refusal).containsOnlyNulls();
    }

    @Test
    void aPlatformThatGoesApartInTheStepInWhichTheMainCursorEndsIsStillWalked() throws Exception {
        // The whole walk fits in one step: the main cursor sends iOS apart at its first user and
        // reaches its end in the same step; the walk is not done until the iOS cursor is.
        harness.close();
        harness = harness(1_000, 1, 0, null);
        Map<Platform, int[]> windows = windows(harness, 0, 1_000);
        registerBoth(40);
        harness.processElement2(create("c1", Audience.all()), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
        assertThat(sent())
                .extracting(r -> r.platform)
                .containsOnly(Platform.ANDROID)
                .hasSize(40);
        assertThat(kinds("c1")).as("iOS is still to walk").doesNotContain(StatusKind.FANNED_OUT);
        windows.get(Platform.IOS)[0] = 1_000;
        DeliveryRoom.of(harness.getOperator().getContainingTask()).freed();
        assertThat(sent())
                .hasSize(80)
                .extracting(r -> r.notificationId)
                .doesNotHaveDuplicates()
                .filteredOn(id -> id.startsWith("c1/i"))
                .hasSize(40);
        assertThat(last(StatusKind.FANNED_OUT, "c1").targeted).isEqualTo(80);
    }

    @Test
    void windowsThatFillAndFreeAtRandomBetweenChunksHandEveryDeviceOutOnce() throws Exception {
        for (long seed = 1; seed <= 12; seed++) {
            harness.close();
            harness = harness(3, 1, 0, null);
            Map<Platform, int[]> windows = windows(harness, 0, 0);
            registerBoth(300);
            harness.processElement2(create("c1", Audience.all()), 2);
            harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 3), 3);
            Random random = new Random(seed);
            DeliveryRoom room = DeliveryRoom.of(harness.getOperator().getContainingTask());
            for (int round = 0; round < 20_000 && !kindsNow("c1").contains(StatusKind.FANNED_OUT); round++) {
                // Each platform full or not, as its window fills and frees; iOS full more often.
                windows.get(Platform.IOS)[0] = random.nextInt(4) == 0 ? 1 : 0;
                windows.get(Platform.ANDROID)[0] = random.nextInt(2) == 0 ? 1 : 0;
                room.freed();
                runOneMail(harness);
            }
            assertThat(kindsNow("c1")).as("seed %d", seed).contains(StatusKind.FANNED_OUT);
            assertThat(notifications(harness))
                    .extracting(r -> r.notificationId)
                    .as("seed %d", seed)
                    .hasSize(600)
                    .doesNotHaveDuplicates();
        }
    }

    private List<StatusKind> kindsNow(String campaignId) {
        return statuses(harness).stream()
                .filter(st -> st.campaignId.equals(campaignId))
                .map(st -> st.status)
                .toList();
    }

    @Test
    void theSeedsGetATestOfEveryLocaleAndAFiresCopyBeforeAnyoneElse() throws Exception {
        harness.close();
        harness = harness(
                settings(1_000).seeds(Map.of("news", List.of("ana", "zed"))).build(), 1, 0, null);
        register("ana", "a1", Platform.IOS, "de-DE", true);
        register("ana", "a2", Platform.ANDROID, "en-US", true);
        register("bob", "b1", Platform.IOS, "en-GB", true);
        Audience bobOnly = Audience.all();
        bobOnly.locales = List.of("en-GB");
        harness.processElement2(create("c1", bobOnly), 2);
        CampaignEvent test = control(CampaignEvent.Type.TEST, "c1", 400);
        test.sendId = "t1";
        harness.processElement2(test, 3);

        // Every locale of the message to each of the seed's devices, though it is outside the audience;
        // zed, a seed with no device yet, gets nothing, and bob, no seed, nothing.
        assertThat(sent())
                .extracting(r -> r.notificationId)
                .containsExactlyInAnyOrder(
                        "c1/test@t1/-/de/a1", "c1/test@t1/-/en/a1", "c1/test@t1/-/de/a2", "c1/test@t1/-/en/a2");
        assertThat(sent())
                .filteredOn(r -> r.notificationId.contains("/de/"))
                .allSatisfy(r -> assertThat(r.payload).contains("Hallo ANA"));
        assertThat(sent()).allSatisfy(r -> assertThat(r.measured).isFalse());
        CampaignStatus tested = statuses().stream()
                .filter(st -> st.status == StatusKind.TESTED)
                .findFirst()
                .orElseThrow();
        assertThat(List.of(tested.targeted, tested.users, tested.usersExpected)).containsExactly(4L, 2L, 2L);
        assertThat(tested.sendId).isEqualTo("t1");

        // The fire: the seed's copy (its own locale, whatever the audience) before the walk reaches bob,
        // counted in the fire's figures, as its receipts will be.
        harness.getOutput().clear();
        harness.processElement2(control(CampaignEvent.Type.FIRE, "c1", 500), 4);
        assertThat(sent())
                .extracting(r -> r.notificationId)
                .containsExactly("c1/seed@500/-/de-DE/a1", "c1/seed@500/-/en-US/a2", "c1/b1");
        CampaignStatus fannedOut = last(StatusKind.FANNED_OUT, "c1");
        assertThat(List.of(fannedOut.targeted, fannedOut.handedOut)).containsExactly(3L, 3L);
    }

    @Test
    void aFireItsGuardLetsGoHandsTheSeedsTheirCopyFirstToo() throws Exception {
        Guarded g = new Guarded(new FireGuard(null, 100L), null, Map.of("news", List.of("user-3")));
        registerUsers(4);
        harness.processElement2(create("c1", Audience.all()), 1);
        harness.processElement2(fire("c1", 2, null), 2);
        g.run();
        List<String> ids = ids(notifications(harness));
        assertThat(ids.get(0)).isEqualTo("c1/seed@2/-/en/dev-3");
        assertThat(ids.subList(1, ids.size()))
                .containsExactlyInAnyOrder("c1/dev-0", "c1/dev-1", "c1/dev-2", "c1/dev-3");
        assertThat(last(StatusKind.FANNED_OUT, "c1").targeted).isEqualTo(5);
    }

    @Test
    void aTestTooLargeForTheDeliveriesIsRefusedBeforeAnythingIsHandedOut() throws Exception {
        harness.close();
        List<String> seeds = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            seeds.add("user-" + i);
        }
        harness = harness(settings(1_000).seeds(Map.of("news", seeds)).build(), 1, 0, null);
        registerUsers(100);
        for (int i = 0; i < 100; i++) {
            register("user-" + i, "tab-" + i, Platform.ANDROID, "en", true);
            register("user-" + i, "old-" + i, Platform.IOS, "en", true);
        }
        CampaignEvent c = create("c1", Audience.all());
        Map<String, Content> many = new TreeMap<>();
        for (String l : List.of("en", "de", "fr", "es")) {
            many.put(l, new Content("Hi {name}", l));
        }
        c.campaign.message.variants = many;
        harness.processElement2(c, 1);
        CampaignEvent test = control(CampaignEvent.Type.TEST, "c1", 2);
        test.sendId = "t1";
        harness.processElement2(test, 2);
        assertThat(sent()).isEmpty();
        assertThat(last(StatusKind.REJECTED, "c1").error)
                .isEqualTo("test refused: it would hand out 1200 notifications here (seed devices x arms x locales),"
                        + " over 1000: test with fewer seeds, arms or locales");
    }

    // ---------------------------------------------------------------------------------------------
    // Live Activities through broadcast channels
    // ---------------------------------------------------------------------------------------------

    private static CampaignEvent live(
            String id, LiveActivity.Event event, String channelId, Integer priority, long at) {
        CampaignEvent e = create(id, event == LiveActivity.Event.START ? Audience.all() : null);
        e.timestamp = at;
        e.campaign.liveActivity = new LiveActivity();
        e.campaign.liveActivity.event = event;
        e.campaign.liveActivity.activityId = "match-42";
        e.campaign.liveActivity.activityType = event == LiveActivity.Event.START ? "MatchAttributes" : null;
        e.campaign.liveActivity.broadcast = true;
        e.campaign.liveActivity.channelId = channelId;
        e.campaign.liveActivity.priority = priority;
        e.campaign.liveActivity.contentState = "{\"home\":1}";
        if (event != LiveActivity.Event.START) {
            e.campaign.message = null;
        }
        return e;
    }

    @Test
    void aBroadcastUpdateIsOneRequestFromOneOfTwoInstances_itsChannelFoundFromItsStart() throws Exception {
        harness.close();
        harness = harness(1_000, 2, 0, null);
        var second = harness(1_000, 2, 1, null);
        others.add(second);
        for (var h : List.of(harness, second)) {
            h.processElement2(live("kickoff", LiveActivity.Event.START, "Y2hhbm5lbA==", null, 1), 1);
            h.processElement2(live("goal", LiveActivity.Event.UPDATE, null, null, 2), 2);
            h.processElement2(control(CampaignEvent.Type.FIRE, "goal", 3), 3);
            runMailbox(h);
        }
        List<SendRequest> requests = new ArrayList<>(of(notifications(harness), "goal"));
        requests.addAll(of(notifications(second), "goal"));
        assertThat(requests).singleElement().satisfies(r -> {
            assertThat(r.channelId).isEqualTo("Y2hhbm5lbA==");
            assertThat(r.token).isNull();
            assertThat(r.liveActivity).isTrue();
            assertThat(r.priority).isEqualTo(5);
            assertThat(r.notificationId).isEqualTo("goal/channel:Y2hhbm5lbA==");
        });
        List<CampaignStatus> fanned = new ArrayList<>(statuses(harness));
        fanned.addAll(statuses(second));
        fanned.removeIf(s -> s.status != StatusKind.FANNED_OUT || !s.campaignId.equals("goal"));
        assertThat(fanned).hasSize(2);
        assertThat(fanned.stream().mapToInt(s -> s.keyGroups).sum())
                .as("every key group reported, so the fan-out is complete")
                .isEqualTo(MAX_PARALLELISM);
        assertThat(fanned.stream().mapToLong(s -> s.targeted).sum()).isEqualTo(1);
        assertThat(fanned.stream().mapToLong(s -> s.users).sum())
                .as("no user walked")
                .isZero();
    }

    @Test
    void aBroadcastUpdateOfAnActivityNeverStartedIsRefusedAtItsFire() throws Exception {
        harness.processElement2(live("goal", LiveActivity.Event.UPDATE, null, null, 2), 2);
        harness.processElement2(control(CampaignEvent.Type.FIRE, "goal", 3), 3);
        assertThat(of(sent(), "goal")).isEmpty();
        assertThat(last(StatusKind.REJECTED, "goal").error)
                .startsWith("liveActivity: no broadcast start of activity 'match-42' of app news is known");
        assertThat(last(StatusKind.FANNED_OUT, "goal").targeted).isZero();
    }

    @Test
    void urgentUpdatesBeyondTheActivitysBudgetGoAtPriorityFive() throws Exception {
        harness.close();
        harness = harness(
                settings(1_000)
                        .urgentUpdateBudgets(Map.of("news", new UrgentUpdateBudget(2)))
                        .build(),
                1,
                0,
                null);
        long hour = 3_600_000L;
        harness.processElement2(live("kickoff", LiveActivity.Event.START, "Y2hhbm5lbA==", null, 1), 1);
        // Created out of their times' order (as records from two channels may arrive): decided by their times.
        harness.processElement2(live("u3", LiveActivity.Event.UPDATE, null, 10, 30), 30);
        harness.processElement2(live("u1", LiveActivity.Event.UPDATE, null, 10, 10), 10);
        harness.processElement2(live("quiet", LiveActivity.Event.UPDATE, null, 5, 25), 25);
        harness.processElement2(live("u2", LiveActivity.Event.UPDATE, null, 10, 20), 20);
        harness.processElement2(live("u4", LiveActivity.Event.UPDATE, null, 10, 11 + hour), 11 + hour);
        for (String id : List.of("u3", "u2", "u4")) {
            harness.processElement2(control(CampaignEvent.Type.FIRE, id, 2 * hour), 2 * hour);
        }
        List<SendRequest> sent = sent();
        assertThat(of(sent, "u2")).singleElement().extracting(r -> r.priority).isEqualTo(10);
        assertThat(of(sent, "u3")).singleElement().extracting(r -> r.priority).isEqualTo(5);
        assertThat(of(sent, "u4"))
                .as("u1 is out of u4's hour, u3 went at 5")
                .singleElement()
                .extracting(r -> r.priority)
                .isEqualTo(10);
        assertThat(statuses())
                .filteredOn(st -> st.status == StatusKind.FIRED && st.error != null)
                .singleElement()
                .satisfies(st -> {
                    assertThat(st.campaignId).isEqualTo("u3");
                    assertThat(st.error)
                            .isEqualTo("sent at priority 5: the priority 10 budget of activity 'match-42' (2 urgent"
                                    + " updates an hour) is spent");
                });
    }
}
