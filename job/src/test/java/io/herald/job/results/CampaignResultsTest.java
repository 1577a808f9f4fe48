package io.herald.job.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Arm;
import io.herald.model.ArmCounts;
import io.herald.model.Campaign;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.Conversion;
import io.herald.model.StatusKind;
import io.herald.model.WinnerTest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CampaignResultsTest {
    private KeyedTwoInputStreamOperatorTestHarness<String, ArmCounts, CampaignEvent, CampaignStatus> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new CampaignResults()),
                c -> c.campaignId,
                e -> e.campaignId,
                Types.STRING);
        harness.open();
        harness.setProcessingTime(0);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private static CampaignEvent tested(String id, String fallback) {
        CampaignEvent e = new CampaignEvent();
        e.type = CampaignEvent.Type.CREATE;
        e.campaignId = id;
        e.campaign = new Campaign();
        e.campaign.campaignId = id;
        e.campaign.arms = new ArrayList<>();
        for (String name : List.of("a", "b")) {
            Arm a = new Arm();
            a.name = name;
            e.campaign.arms.add(a);
        }
        e.campaign.conversion = new Conversion();
        e.campaign.conversion.event = "purchase";
        e.campaign.conversion.within = "PT1H";
        e.campaign.test = new WinnerTest();
        e.campaign.test.share = 0.2;
        e.campaign.test.decideAfter = "PT10S";
        e.campaign.test.minUsers = 500L;
        e.campaign.test.fallback = fallback;
        return e;
    }

    private static CampaignEvent event(CampaignEvent.Type type, String id) {
        CampaignEvent e = new CampaignEvent();
        e.type = type;
        e.campaignId = id;
        return e;
    }

    private static ArmCounts counts(String id, String arm, boolean heldOut, long users, long converted) {
        ArmCounts c = ArmCounts.of(id, arm, heldOut);
        c.exposed = users;
        c.converted = converted;
        return c;
    }

    private List<CampaignStatus> statuses(StatusKind kind) {
        return harness.extractOutputValues().stream()
                .filter(s -> s.status == kind)
                .collect(Collectors.toList());
    }

    @Test
    void resultsComeEveryTwoSecondsWhileTheyChange_andTheTestsDecisionAtItsTimeSendsTheWinner() throws Exception {
        harness.processElement2(new StreamRecord<>(tested("c", "a")));
        harness.setProcessingTime(1_000);
        harness.processElement2(new StreamRecord<>(event(CampaignEvent.Type.FIRE, "c")));
        // Counted in two deltas each, as sums arrive from several places.
        harness.processElement1(new StreamRecord<>(counts("c", "a", false, 600, 50)));
        harness.processElement1(new StreamRecord<>(counts("c", "a", false, 400, 30)));
        harness.processElement1(new StreamRecord<>(counts("c", "b", false, 1_000, 120)));
        harness.processElement1(new StreamRecord<>(counts("c", null, true, 500, 10)));
        assertThat(statuses(StatusKind.RESULTS)).isEmpty();
        harness.setProcessingTime(3_000);
        assertThat(statuses(StatusKind.RESULTS)).singleElement().satisfies(r -> {
            assertThat(r.results).extracting(row -> row.arm).containsExactly("a", "b", null);
            assertThat(r.results.get(0).users).isEqualTo(1_000);
            assertThat(r.results.get(0).converted).isEqualTo(80);
            assertThat(r.results.get(2).holdout).isTrue();
        });
        harness.setProcessingTime(9_000);
        assertThat(statuses(StatusKind.RESULTS))
                .as("nothing changed: no new record")
                .hasSize(1);

        harness.setProcessingTime(11_000);
        assertThat(statuses(StatusKind.DECIDED)).singleElement().satisfies(d -> {
            assertThat(d.winner).isEqualTo("b");
            assertThat(d.decided).isTrue();
            // 120 of 1,000 against 80 of 1,000 (WinnerDecisionTest's worked figure).
            assertThat(d.pValues).containsOnlyKeys("a");
            assertThat(d.pValues.get("a")).isBetween(0.0028, 0.0029);
        });
        assertThat(harness.getSideOutput(CampaignResults.WINNERS))
                .extracting(r -> r.getValue().campaignId + " " + r.getValue().arm + " " + r.getValue().type)
                .containsExactly("c b WINNER");
        harness.setProcessingTime(60_000);
        assertThat(statuses(StatusKind.DECIDED)).as("decided once").hasSize(1);
    }

    @Test
    void tooFewUsersGiveTheFallback_noFallbackSendsNothing_andACancelledTestDecidesNothing() throws Exception {
        harness.processElement2(new StreamRecord<>(tested("few", "a")));
        harness.processElement2(new StreamRecord<>(tested("none", null)));
        harness.processElement2(new StreamRecord<>(tested("gone", "a")));
        for (String id : List.of("few", "none", "gone")) {
            harness.processElement2(new StreamRecord<>(event(CampaignEvent.Type.FIRE, id)));
            harness.processElement1(new StreamRecord<>(counts(id, "a", false, 100, 5)));
            harness.processElement1(new StreamRecord<>(counts(id, "b", false, 100, 30)));
        }
        harness.processElement2(new StreamRecord<>(event(CampaignEvent.Type.CANCEL, "gone")));
        harness.setProcessingTime(10_000);
        assertThat(statuses(StatusKind.DECIDED))
                .extracting(d -> d.campaignId + " " + d.winner + " " + d.decided)
                .containsExactlyInAnyOrder("few a false", "none null false");
        assertThat(harness.getSideOutput(CampaignResults.WINNERS))
                .extracting(r -> r.getValue().campaignId + " " + r.getValue().arm)
                .containsExactly("few a");
    }
}
