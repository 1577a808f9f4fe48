package io.herald.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.experiment.ArmAssignment;
import io.herald.model.Arm;
import io.herald.model.AttributeValue;
import io.herald.model.Audience;
import io.herald.model.Campaign;
import io.herald.model.Content;
import io.herald.model.DeviceRecord;
import io.herald.model.Message;
import io.herald.model.Platform;
import io.herald.model.PushKeys;
import io.herald.model.SendRequest;
import io.herald.model.UserProfile;
import io.herald.model.WinnerTest;
import io.herald.payload.Payloads;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PreparedCampaignTest {
    private static Message message(String body) {
        Message m = new Message();
        m.defaultLocale = "en";
        m.variants = Map.of("en", new Content("Sale", body));
        m.defaults = Map.of("name", "friend");
        return m;
    }

    private static Campaign campaign(String id) {
        Campaign c = new Campaign();
        c.campaignId = id;
        c.appId = "news";
        c.audience = Audience.all();
        c.message = message("Hello {name}");
        return c;
    }

    private static Campaign withArms(String id, Double holdout, int... weights) {
        Campaign c = campaign(id);
        c.message = null;
        c.arms = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            Arm a = new Arm();
            a.name = "arm-" + i;
            a.weight = weights[i];
            a.message = message("Arm " + i + " for {name}");
            c.arms.add(a);
        }
        c.holdout = holdout;
        return c;
    }

    private static DeviceRecord device(String id, Platform platform) {
        DeviceRecord d = new DeviceRecord();
        d.deviceId = id;
        d.appId = "news";
        d.platform = platform;
        d.token = "token-" + id;
        d.tokenV = 1;
        d.registeredV = 1;
        d.locale = "en";
        return d;
    }

    private static List<DeviceRecord> devicesOf(String user) {
        return List.of(device(user + "-phone", Platform.IOS), device(user + "-tablet", Platform.ANDROID));
    }

    @Test
    void everyDeviceOfAUserGetsTheUsersArmsMessageAndHeldOutUsersGetNothing() {
        Campaign c = withArms("spring", 0.2, 1, 3);
        PreparedCampaign prepared = new PreparedCampaign(c, 1_000L);
        ArmAssignment expected = ArmAssignment.of("spring", List.of(1, 3), 0.2);
        int users = 4_000;
        long[] perArm = new long[2];
        long heldOutDevices = 0;
        for (int u = 0; u < users; u++) {
            String user = "user-" + u;
            List<SendRequest> out = new ArrayList<>();
            PreparedCampaign.FanOutCount count = prepared.fanOut(user, new UserProfile(), devicesOf(user), out::add);
            int arm = expected.armOf(user);
            if (arm == ArmAssignment.HOLDOUT) {
                assertThat(out).as(user).isEmpty();
                assertThat(count.heldOut).isEqualTo(2);
                assertThat(count.targeted).isZero();
                assertThat(count.arm).isNull();
                heldOutDevices += count.heldOut;
                continue;
            }
            assertThat(count.targeted).isEqualTo(2);
            assertThat(count.heldOut).isZero();
            assertThat(count.arm).isEqualTo("arm-" + arm);
            assertThat(out).hasSize(2).allSatisfy(r -> {
                assertThat(r.arm).isEqualTo("arm-" + arm);
                assertThat(r.payload).contains("Arm " + arm + " for friend");
                assertThat(r.notificationId).isEqualTo(SendRequest.notificationId("spring", null, r.deviceId));
            });
            perArm[arm] += 2;
        }
        // The shares: 20% held out, the rest 1 to 3 (binomial, five standard deviations).
        double n = users;
        assertThat(heldOutDevices / 2 / n).isCloseTo(0.2, within(5 * Math.sqrt(0.2 * 0.8 / n)));
        assertThat(perArm[1] / (double) (perArm[0] + perArm[1])).isCloseTo(0.75, within(0.05));
    }

    @Test
    void theArmIsTheSameForAFireAtAnotherTimeASendAndAnotherPreparation() {
        Campaign c = withArms("again", 0.1, 1, 1, 1);
        PreparedCampaign first = new PreparedCampaign(c, 1_000L);
        PreparedCampaign later = first.at(9_000L, null);
        PreparedCampaign send = new PreparedCampaign(withArms("again", 0.1, 1, 1, 1), 5_000L).at(5_000L, "s1");
        for (int u = 0; u < 500; u++) {
            String user = "u" + u;
            String arm = first.fanOut(user, new UserProfile(), devicesOf(user), r -> {}).arm;
            assertThat(later.fanOut(user, new UserProfile(), devicesOf(user), r -> {}).arm)
                    .isEqualTo(arm);
            assertThat(send.fanOut(user, new UserProfile(), devicesOf(user), r -> {}).arm)
                    .isEqualTo(arm);
        }
    }

    @Test
    void aHoldoutWithoutArmsHoldsOutTheSameUsersAndSendsTheMessageToTheRest() {
        Campaign c = campaign("solo");
        c.holdout = 0.3;
        PreparedCampaign prepared = new PreparedCampaign(c, 1_000L);
        ArmAssignment expected = ArmAssignment.holdoutOnly("solo", 0.3);
        int heldOut = 0;
        for (int u = 0; u < 1_000; u++) {
            String user = "u" + u;
            List<SendRequest> out = new ArrayList<>();
            PreparedCampaign.FanOutCount count = prepared.fanOut(user, new UserProfile(), devicesOf(user), out::add);
            boolean held = expected.armOf(user) == ArmAssignment.HOLDOUT;
            assertThat(count.heldOut).isEqualTo(held ? 2 : 0);
            assertThat(out).hasSize(held ? 0 : 2).allSatisfy(r -> {
                assertThat(r.arm).isNull();
                assertThat(r.payload).contains("Hello friend");
            });
            heldOut += held ? 1 : 0;
        }
        assertThat(heldOut / 1_000.0).isCloseTo(0.3, within(5 * Math.sqrt(0.3 * 0.7 / 1_000)));
        assertThat(prepared.hasHoldout()).isTrue();
        assertThat(prepared.hasArms()).isFalse();
    }

    @Test
    void withoutArmsOrHoldoutNothingIsHeldOut() {
        PreparedCampaign prepared = new PreparedCampaign(campaign("plain"), 1_000L);
        for (int u = 0; u < 200; u++) {
            PreparedCampaign.FanOutCount count = prepared.fanOut(
                    "u" + u,
                    new UserProfile(),
                    devicesOf("u" + u),
                    r -> assertThat(r.arm).isNull());
            assertThat(count.targeted).isEqualTo(2);
            assertThat(count.heldOut).isZero();
        }
        assertThat(prepared.hasHoldout()).isFalse();
    }

    @Test
    void unreachableDevicesOfAHeldOutUserAreSuppressedNotHeldOut() {
        Campaign c = campaign("held");
        c.holdout = 0.5;
        PreparedCampaign prepared = new PreparedCampaign(c, 1_000L);
        ArmAssignment expected = ArmAssignment.holdoutOnly("held", 0.5);
        String user = "u0";
        for (int u = 0; expected.armOf(user) != ArmAssignment.HOLDOUT; u++) {
            user = "u" + u;
        }
        DeviceRecord optedOut = device("off", Platform.IOS);
        optedOut.optIn = false;
        PreparedCampaign.FanOutCount count =
                prepared.fanOut(user, new UserProfile(), List.of(optedOut, device("on", Platform.ANDROID)), r -> {
                    throw new AssertionError("a held-out user is sent nothing");
                });
        assertThat(count.suppressed).isEqualTo(1);
        assertThat(count.heldOut).isEqualTo(1);
    }

    @Test
    void aRefusalIsTheUsersArmsOwn() {
        Campaign c = withArms("sizes", null, 1, 1);
        c.arms.get(1).message = message("{name} {name} {name}");
        PreparedCampaign prepared = new PreparedCampaign(c, 1_000L);
        UserProfile longName = new UserProfile();
        longName.attributes = new HashMap<>(Map.of("name", AttributeValue.of("x".repeat(1_500), 1)));
        Map<String, Integer> refusedByArm = new HashMap<>();
        for (int u = 0; u < 100; u++) {
            String user = "u" + u;
            prepared.select(user, longName, devicesOf(user), (d, arm) -> {
                if (arm.refusal(longName, d) != null) {
                    refusedByArm.merge(prepared.fanOut(user, longName, List.of(d), r -> {}).arm, 1, Integer::sum);
                }
            });
        }
        // Three times 1,500 characters is over 4 KB; once is not.
        assertThat(refusedByArm).containsOnlyKeys("arm-1");
    }

    @Test
    void aTestSendsTheArmsToItsShareAndLeavesTheRest_theWinnerGoesToTheRestOnly() {
        Campaign c = withArms("tested", 0.1, 1, 1);
        c.test = new WinnerTest();
        c.test.share = 0.3;
        c.test.decideAfter = "PT1H";
        PreparedCampaign fire = new PreparedCampaign(c, 1_000L);
        PreparedCampaign rest = fire.winner("arm-1").at(9_000L, null);
        PreparedCampaign retryAfter = fire.asSent("arm-1");
        PreparedCampaign retryBefore = fire.asSent(null);
        ArmAssignment arms = ArmAssignment.of("tested", List.of(1, 1), 0.1);
        int tested = 0;
        int users = 3_000;
        for (int u = 0; u < users; u++) {
            String user = "u" + u;
            boolean held = arms.armOf(user) == ArmAssignment.HOLDOUT;
            boolean inTest = ArmAssignment.inTest("tested", user, 0.3);
            List<SendRequest> first = new ArrayList<>();
            PreparedCampaign.FanOutCount atFire = fire.fanOut(user, new UserProfile(), devicesOf(user), first::add);
            List<SendRequest> second = new ArrayList<>();
            PreparedCampaign.FanOutCount atWinner = rest.fanOut(user, new UserProfile(), devicesOf(user), second::add);
            // A retry resends what each user was sent: the arm to the tested, the winner (once there is
            // one) to the rest, nothing to the held out.
            List<String> retried = new ArrayList<>();
            retryAfter.fanOut(user, new UserProfile(), devicesOf(user), r -> retried.add(r.arm));
            List<String> retriedBefore = new ArrayList<>();
            retryBefore.fanOut(user, new UserProfile(), devicesOf(user), r -> retriedBefore.add(r.arm));
            if (held) {
                assertThat(retried).isEmpty();
            } else {
                String sent = inTest ? "arm-" + arms.armOf(user) : "arm-1";
                assertThat(retried).containsExactly(sent, sent);
                assertThat(retriedBefore).hasSize(inTest ? 2 : 0);
            }
            if (held) {
                assertThat(atFire.heldOut).as(user).isEqualTo(2);
                assertThat(first).isEmpty();
                assertThat(second).isEmpty();
                assertThat(atWinner.heldOut)
                        .as("counted at the test, not again")
                        .isZero();
            } else if (inTest) {
                tested++;
                assertThat(first).hasSize(2).allSatisfy(r -> assertThat(r.arm).isEqualTo("arm-" + arms.armOf(user)));
                assertThat(second).as(user + " was tested").isEmpty();
            } else {
                assertThat(first).isEmpty();
                assertThat(atFire.deferred).isEqualTo(2);
                assertThat(second).hasSize(2).allSatisfy(r -> {
                    assertThat(r.arm).isEqualTo("arm-1");
                    assertThat(r.payload).contains("Arm 1 for friend");
                });
                assertThat(atWinner.arm).isEqualTo("arm-1");
            }
        }
        // The test's share is its own draw: about 30% of those not held out.
        assertThat(tested / (users * 0.9)).isCloseTo(0.3, within(5 * Math.sqrt(0.3 * 0.7 / (users * 0.9))));
        // A transactional send is no part of the test: the user's own arm, now.
        for (int u = 0; u < 50; u++) {
            String user = "s" + u;
            if (arms.armOf(user) != ArmAssignment.HOLDOUT) {
                assertThat(fire.at(2_000L, "send-1").fanOut(user, new UserProfile(), devicesOf(user), r -> {}).targeted)
                        .isEqualTo(2);
            }
        }
    }

    @Test
    void aSeedGetsEveryArmInEveryLocaleWhateverTheAudienceAndAFiresCopyInItsOwnLocale() {
        Campaign c = withArms("seeded", 0.5, 1, 1);
        for (Arm a : c.arms) {
            a.message.variants = Map.of(
                    "en", new Content("Sale", "Hello {name}"),
                    "de", new Content("Angebot", "Hallo {name}"),
                    "pt-BR", new Content("Oferta", "Olá {name}"));
        }
        c.audience.platforms = List.of(Platform.ANDROID); // the seed's phone is outside it
        DeviceRecord phone = device("seed-phone", Platform.IOS);
        phone.locale = "de";
        DeviceRecord optedOut = device("seed-old", Platform.ANDROID);
        optedOut.optIn = false;
        DeviceRecord otherApp = device("seed-games", Platform.ANDROID);
        otherApp.appId = "games";
        UserProfile seed = new UserProfile();
        seed.attributes.put("name", AttributeValue.of("Ana", 1));
        PreparedCampaign prepared = new PreparedCampaign(c, 1_000L);

        List<SendRequest> test = new ArrayList<>();
        long handed = prepared.toSeed("ana", seed, List.of(phone, optedOut, otherApp), "test@t1", true, test::add);

        assertThat(handed).isEqualTo(6).isEqualTo(test.size());
        assertThat(test)
                .extracting(r -> r.notificationId)
                .containsExactlyInAnyOrder(
                        "seeded/test@t1/arm-0/de/seed-phone",
                        "seeded/test@t1/arm-0/en/seed-phone",
                        "seeded/test@t1/arm-0/pt-BR/seed-phone",
                        "seeded/test@t1/arm-1/de/seed-phone",
                        "seeded/test@t1/arm-1/en/seed-phone",
                        "seeded/test@t1/arm-1/pt-BR/seed-phone");
        assertThat(test).allSatisfy(r -> {
            assertThat(r.measured).isFalse();
            assertThat(r.deviceId).isEqualTo("seed-phone");
            assertThat(r.refusal).isNull();
        });
        assertThat(test.stream().map(r -> r.payload))
                .anySatisfy(p -> assertThat(p).contains("Hallo Ana").contains("Angebot"))
                .anySatisfy(p -> assertThat(p).contains("Olá Ana"))
                .anySatisfy(p -> assertThat(p).contains("Hello Ana"));

        List<SendRequest> copy = new ArrayList<>();
        prepared.toSeed("ana", seed, List.of(phone, optedOut, otherApp), "seed@1000", false, copy::add);
        assertThat(copy).singleElement().satisfies(r -> {
            assertThat(r.notificationId).isEqualTo("seeded/seed@1000/arm-0/de/seed-phone");
            assertThat(r.payload).contains("Hallo Ana");
        });
        // Nothing of it reaches the seed by the audience: its one device is outside it.
        assertThat(prepared.fanOut("ana", seed, List.of(phone), r -> {}).targeted)
                .isZero();
    }

    @Test
    void aBrowserGetsTheWebMessageWithItsSubscriptionsKeys_urgencyFromTheCampaignsPriority() throws Exception {
        Campaign c = campaign("web-sale");
        c.collapseId = "sale";
        c.message.data = Map.of("url", "https://shop.example/sale");
        DeviceRecord browser = device("u1-browser", Platform.WEB);
        browser.token = "https://push.example/wpush/abc";
        browser.pushKeys = PushKeys.of("p256dh-key", "auth-key");
        List<SendRequest> out = new ArrayList<>();
        PreparedCampaign.FanOutCount count = new PreparedCampaign(c, 1_000L)
                .fanOut("u1", new UserProfile(), List.of(browser, device("u1-phone", Platform.IOS)), out::add);
        assertThat(count.targeted).isEqualTo(2);
        SendRequest web =
                out.stream().filter(r -> r.platform == Platform.WEB).findFirst().orElseThrow();
        assertThat(web.token).isEqualTo("https://push.example/wpush/abc");
        assertThat(web.pushKeys).isEqualTo(PushKeys.of("p256dh-key", "auth-key"));
        assertThat(web.priority).isEqualTo(10);
        assertThat(web.refusal).isNull();
        JsonNode payload = new ObjectMapper().readTree(web.payload);
        assertThat(payload.at("/notification/title").asText()).isEqualTo("Sale");
        assertThat(payload.at("/notification/body").asText()).isEqualTo("Hello friend");
        assertThat(payload.at("/notification/tag").asText()).isEqualTo("sale");
        assertThat(payload.at("/data/url").asText()).isEqualTo("https://shop.example/sale");

        c.message.apns.priority = 5;
        out.clear();
        new PreparedCampaign(c, 1_000L).fanOut("u1", new UserProfile(), List.of(browser), out::add);
        assertThat(out.get(0).priority).isEqualTo(5);

        // A message too long for one encrypted record is refused for the browser, not for the phone.
        c.message = message("x".repeat(Payloads.WEB_PUSH_MAX_BYTES));
        out.clear();
        new PreparedCampaign(c, 1_000L).fanOut("u1", new UserProfile(), List.of(browser), out::add);
        assertThat(out.get(0).refusal).contains("over web push's 3993-byte limit");
        // A browser without keys cannot be reached: suppressed, not targeted.
        browser.pushKeys = null;
        out.clear();
        count = new PreparedCampaign(campaign("web-2"), 1_000L)
                .fanOut("u1", new UserProfile(), List.of(browser), out::add);
        assertThat(out).isEmpty();
        assertThat(count.suppressed).isEqualTo(1);
    }
}
