package io.herald.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Campaign;
import io.herald.model.Conversion;
import io.herald.model.Interaction;
import io.herald.model.UserProfile;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttributionTest {
    private static final long FIRE = 1_764_000_000_000L;
    private static final long HOUR = Duration.ofHours(1).toMillis();

    private static Campaign campaign(String id, String event, String within) {
        Campaign c = new Campaign();
        c.campaignId = id;
        c.appId = "news";
        if (event != null) {
            c.conversion = new Conversion();
            c.conversion.event = event;
            c.conversion.within = within;
        }
        return c;
    }

    private static Interaction event(String name, long at, Double value, String eventId) {
        Interaction i = new Interaction();
        i.type = Interaction.Type.EVENT;
        i.userId = "u1";
        i.appId = "news";
        i.name = name;
        i.at = at;
        i.value = value;
        i.eventId = eventId;
        return i;
    }

    private static Interaction opened(String campaignId, long at) {
        Interaction i = new Interaction();
        i.type = Interaction.Type.OPENED;
        i.userId = "u1";
        i.campaignId = campaignId;
        i.at = at;
        return i;
    }

    private final Campaign sale = campaign("sale", "purchase", "PT24H");
    private final Map<String, Campaign> campaigns = Map.of("sale", sale, "news", campaign("news", null, null));

    @Test
    void anExposureIsKeptOnce_andItsOpenAndConversionCountOncePerUser_laterConversionsAddValue() {
        UserProfile user = new UserProfile();
        assertThat(Attribution.expose(user, sale, "bold", false, FIRE))
                .containsExactly(new Attribution.Counted("sale", "bold", false, Attribution.Kind.EXPOSED, true, 0));
        assertThat(Attribution.expose(user, sale, "bold", false, FIRE + 5))
                .as("the first stands")
                .isEmpty();

        assertThat(Attribution.take(user, opened("sale", FIRE + HOUR), campaigns::get, FIRE + HOUR))
                .containsExactly(new Attribution.Counted("sale", "bold", false, Attribution.Kind.OPENED, true, 0));
        assertThat(Attribution.take(user, opened("sale", FIRE + 2 * HOUR), campaigns::get, FIRE + 2 * HOUR))
                .isEmpty();
        assertThat(Attribution.take(user, event("purchase", FIRE + 3 * HOUR, 12.5, "e1"), campaigns::get, FIRE))
                .containsExactly(
                        new Attribution.Counted("sale", "bold", false, Attribution.Kind.CONVERTED, true, 12.5));
        assertThat(Attribution.take(user, event("purchase", FIRE + 3 * HOUR, 12.5, "e1"), campaigns::get, FIRE))
                .as("the same report again")
                .isEmpty();
        assertThat(Attribution.take(user, event("purchase", FIRE + 4 * HOUR, 7.0, "e2"), campaigns::get, FIRE))
                .containsExactly(
                        new Attribution.Counted("sale", "bold", false, Attribution.Kind.CONVERTED, false, 7.0));
    }

    @Test
    void aConversionCountsOnlyInsideItsWindow_inItsApp_forItsEvent() {
        UserProfile user = new UserProfile();
        Attribution.expose(user, sale, null, false, FIRE);
        assertThat(Attribution.take(user, event("purchase", FIRE - 1, 1.0, null), campaigns::get, FIRE))
                .as("before the exposure")
                .isEmpty();
        assertThat(Attribution.take(user, event("signup", FIRE + HOUR, null, null), campaigns::get, FIRE))
                .as("another event")
                .isEmpty();
        Interaction otherApp = event("purchase", FIRE + HOUR, null, null);
        otherApp.appId = "shop";
        assertThat(Attribution.take(user, otherApp, campaigns::get, FIRE))
                .as("another app")
                .isEmpty();
        assertThat(Attribution.take(user, event("purchase", FIRE + 25 * HOUR, null, null), campaigns::get, FIRE))
                .as("after its 24 hours")
                .isEmpty();
        assertThat(Attribution.take(user, event("purchase", FIRE + 24 * HOUR, null, null), campaigns::get, FIRE))
                .hasSize(1);
    }

    @Test
    void aHeldOutUserConvertsButNeverOpens_andExposuresEndWithTheirWindows() {
        UserProfile user = new UserProfile();
        Attribution.expose(user, sale, null, true, FIRE);
        assertThat(Attribution.take(user, opened("sale", FIRE + HOUR), campaigns::get, FIRE))
                .isEmpty();
        assertThat(Attribution.take(user, event("purchase", FIRE + HOUR, 3.0, null), campaigns::get, FIRE))
                .containsExactly(new Attribution.Counted("sale", null, true, Attribution.Kind.CONVERTED, true, 3.0));
        // Opens count for a week (longer than the 24-hour conversion window); then the exposure goes.
        long weekLater = FIRE + Attribution.OPEN_WINDOW.toMillis() + 1;
        Attribution.take(user, opened("sale", weekLater), campaigns::get, weekLater);
        assertThat(user.exposures).isEmpty();
    }

    @Test
    void exposuresAndReportIdsAreBounded() {
        UserProfile user = new UserProfile();
        for (int i = 0; i < Attribution.MAX_EXPOSURES + 10; i++) {
            Attribution.expose(user, campaign("c" + i, null, null), null, false, FIRE + i);
        }
        assertThat(user.exposures)
                .hasSize(Attribution.MAX_EXPOSURES)
                .containsKey("c73")
                .doesNotContainKey("c0");
        for (int i = 0; i < Attribution.MAX_EVENT_IDS + 5; i++) {
            Attribution.take(user, event("x", FIRE, null, "e" + i), campaigns::get, FIRE);
        }
        assertThat(user.recentEventIds).hasSize(Attribution.MAX_EVENT_IDS).startsWith("e5");
        assertThat(List.copyOf(user.recentEventIds)).endsWith("e36");
    }

    @Test
    void everyReportTellsSegmentsWhenTheUserLastOpenedAndLastDidEachEvent_exposedOrNot() {
        UserProfile user = new UserProfile();
        Attribution.take(user, opened("never-sent", FIRE + HOUR), campaigns::get, FIRE);
        Attribution.take(user, opened("never-sent", FIRE), campaigns::get, FIRE);
        assertThat(user.lastOpenedAt).as("the latest, whatever the order").isEqualTo(FIRE + HOUR);
        Attribution.take(user, event("purchase", FIRE + 2 * HOUR, 3.0, null), campaigns::get, FIRE);
        Attribution.take(user, event("signup", FIRE, null, null), campaigns::get, FIRE);
        assertThat(user.lastEvents).containsEntry("purchase", FIRE + 2 * HOUR).containsEntry("signup", FIRE);
        for (int i = 0; i < Attribution.MAX_EVENT_NAMES; i++) {
            Attribution.take(user, event("e" + i, FIRE + 3 * HOUR + i, null, null), campaigns::get, FIRE);
        }
        assertThat(user.lastEvents)
                .hasSize(Attribution.MAX_EVENT_NAMES)
                .doesNotContainKeys("purchase", "signup")
                .containsKey("e0");
    }

    @Test
    void anOpenOfAMeasuredCampaignBeforeTheExposure_isCountedWhenTheExposureComes_onceAndBounded() {
        // After a restore, the walk may reach a user after the opens read again since.
        UserProfile user = new UserProfile();
        assertThat(Attribution.take(user, opened("sale", FIRE + HOUR), campaigns::get, FIRE + HOUR))
                .isEmpty();
        assertThat(Attribution.take(user, opened("unknown", FIRE + HOUR), campaigns::get, FIRE + HOUR))
                .isEmpty();
        assertThat(user.pending)
                .as("kept for a measured campaign the job knows only")
                .hasSize(1);
        assertThat(Attribution.expose(user, sale, "bold", false, FIRE))
                .containsExactly(
                        new Attribution.Counted("sale", "bold", false, Attribution.Kind.EXPOSED, true, 0),
                        new Attribution.Counted("sale", "bold", false, Attribution.Kind.OPENED, true, 0));
        assertThat(user.pending).isEmpty();
        assertThat(Attribution.take(user, opened("sale", FIRE + 2 * HOUR), campaigns::get, FIRE))
                .isEmpty();
        UserProfile busy = new UserProfile();
        for (int i = 0; i < Attribution.MAX_PENDING + 4; i++) {
            Attribution.take(busy, opened("sale", FIRE + i), campaigns::get, FIRE);
        }
        assertThat(busy.pending).hasSize(Attribution.MAX_PENDING);
        Attribution.take(busy, opened("sale", FIRE), campaigns::get, FIRE + Attribution.PENDING_FOR.toMillis() + 100);
        assertThat(busy.pending).as("a day later the old ones are gone").hasSize(1);
    }
}
