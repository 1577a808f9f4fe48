package io.herald.job.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Campaign;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.Schedule;
import io.herald.model.SignedBy;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Control records through the gate: signed where the app requires it, a refused signature never, none twice. */
class ControlGateTest {
    private static final long WINDOW = 600_000;
    private KeyedOneInputStreamOperatorTestHarness<String, CampaignEvent, CampaignEvent> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(
                        new ControlGate(Set.of("news", "games"), Set.of("news"), Set.of(), "job-1", WINDOW)),
                ControlGate.key(),
                Types.STRING);
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private static CampaignEvent create(String campaignId, String appId) {
        CampaignEvent e = event(CampaignEvent.Type.CREATE, campaignId);
        e.campaign = new Campaign();
        e.campaign.campaignId = campaignId;
        e.campaign.appId = appId;
        return e;
    }

    private static CampaignEvent event(CampaignEvent.Type type, String campaignId) {
        CampaignEvent e = new CampaignEvent();
        e.type = type;
        e.campaignId = campaignId;
        return e;
    }

    private static CampaignEvent signed(CampaignEvent e, long at, String nonce) {
        e.signedBy = new SignedBy("alice", "ops-2026", at, nonce);
        return e;
    }

    private List<String> passed() {
        return harness.extractOutputValues().stream()
                .map(e -> e.type + " " + e.campaignId)
                .toList();
    }

    private List<String> refusals() {
        return harness.getSideOutput(Descriptors.STATUS) == null
                ? List.of()
                : harness.getSideOutput(Descriptors.STATUS).stream()
                        .map(r -> ((CampaignStatus) r.getValue()).error)
                        .toList();
    }

    @Test
    void anAppThatRequiresSignedRecordsTakesOnlySignedOnes_otherAppsTakeAny() throws Exception {
        harness.processElement(new StreamRecord<>(create("c1", "news")));
        harness.processElement(new StreamRecord<>(signed(create("c1", "news"), 1_000, "n1")));
        harness.processElement(new StreamRecord<>(event(CampaignEvent.Type.FIRE, "c1")));
        harness.processElement(new StreamRecord<>(signed(event(CampaignEvent.Type.FIRE, "c1"), 2_000, "n2")));
        harness.processElement(new StreamRecord<>(create("c2", "games")));
        harness.processElement(new StreamRecord<>(event(CampaignEvent.Type.FIRE, "c2")));
        CampaignEvent appPause = new CampaignEvent();
        appPause.type = CampaignEvent.Type.PAUSE;
        appPause.appId = "news";
        harness.processElement(new StreamRecord<>(appPause));
        assertThat(passed()).containsExactly("CREATE c1", "FIRE c1", "CREATE c2", "FIRE c2");
        assertThat(refusals())
                .containsExactly(
                        "create refused: unsigned record: apps.news.requireSigned",
                        "fire refused: unsigned record: apps.news.requireSigned",
                        "pause refused: unsigned record: apps.news.requireSigned");
        // Every record in the audit trail, with its app, its signer and what became of it.
        assertThat(harness.getSideOutput(Descriptors.AUDIT).stream()
                        .map(r -> (CampaignStatus) r.getValue())
                        .map(a -> a.appId + " " + a.record + " " + a.principal + " "
                                + (a.error == null ? "taken" : "refused: " + a.error))
                        .toList())
                .containsExactly(
                        "news create null refused: unsigned record: apps.news.requireSigned",
                        "news create alice taken",
                        "news fire null refused: unsigned record: apps.news.requireSigned",
                        "news fire alice taken",
                        "games create null taken",
                        "games fire null taken",
                        "news pause null refused: unsigned record: apps.news.requireSigned");
    }

    @Test
    void aCampaignOfASignedAppCannotBeMovedToAnotherByAnUnsignedCreate_norFiredWhenItsAppIsUnknown() throws Exception {
        harness.processElement(new StreamRecord<>(signed(create("c1", "news"), 1_000, "n1")));
        harness.processElement(new StreamRecord<>(create("c1", "games")));
        harness.processElement(new StreamRecord<>(event(CampaignEvent.Type.SEND, "never-created")));
        assertThat(passed()).containsExactly("CREATE c1");
        assertThat(refusals())
                .containsExactly(
                        "create refused: unsigned record: apps.news.requireSigned",
                        "send refused: unsigned record of a campaign whose app is not known here (apps [news] take"
                                + " signed records only)");
    }

    @Test
    void aCampaignNamingAnAppTheDeploymentLacksKeepsNoApp_andTheJobsKeySignsWinnersOnly() throws Exception {
        // An unsigned create naming an app the deployment does not have (the validation refuses it)
        // must not make the campaign's later unsigned records pass as that app's.
        harness.processElement(new StreamRecord<>(create("old", "zzz")));
        harness.processElement(new StreamRecord<>(event(CampaignEvent.Type.SEND, "old")));
        CampaignEvent byJob = event(CampaignEvent.Type.FIRE, "c1");
        byJob.signedBy = new SignedBy("herald", "job-1", 1_000, "j1");
        harness.processElement(new StreamRecord<>(byJob));
        CampaignEvent winner = event(CampaignEvent.Type.WINNER, "c1");
        winner.signedBy = new SignedBy("herald", "job-1", 2_000, "j2");
        harness.processElement(new StreamRecord<>(winner));
        assertThat(passed()).containsExactly("CREATE old", "WINNER c1");
        assertThat(refusals())
                .containsExactly(
                        "send refused: unsigned record of a campaign whose app is not known here (apps [news] take"
                                + " signed records only)",
                        "fire refused: signed with the job's own key, which signs winner records only");
    }

    @Test
    void aRefusedSignatureIsRefusedWhateverTheApp() throws Exception {
        CampaignEvent e = create("c2", "games");
        e.signatureRefusal = "bad signature (key 'ops-2026')";
        harness.processElement(new StreamRecord<>(e));
        assertThat(passed()).isEmpty();
        assertThat(refusals()).containsExactly("create refused: bad signature (key 'ops-2026')");
    }

    @Test
    void aSignedRecordIsTakenOnce_byItsNonceWithinTheWindowAndByItsTimeAfter() throws Exception {
        harness.processElement(new StreamRecord<>(signed(create("c1", "news"), 1_000, "n1")));
        harness.processElement(new StreamRecord<>(signed(event(CampaignEvent.Type.PAUSE, "c1"), 2_000, "n2")));
        // The pause written again, byte for byte: its nonce was taken.
        harness.processElement(new StreamRecord<>(signed(event(CampaignEvent.Type.PAUSE, "c1"), 2_000, "n2")));
        // Much later, a resume; then the old pause again, its nonce forgotten but its time too old.
        harness.processElement(
                new StreamRecord<>(signed(event(CampaignEvent.Type.RESUME, "c1"), 2_000 + 2 * WINDOW, "n3")));
        harness.processElement(new StreamRecord<>(signed(event(CampaignEvent.Type.PAUSE, "c1"), 2_000, "n2")));
        // Signed a little earlier than the latest (another operator's clock), but within the window: taken.
        harness.processElement(new StreamRecord<>(signed(event(CampaignEvent.Type.PAUSE, "c1"), 2 * WINDOW, "n4")));
        assertThat(passed()).containsExactly("CREATE c1", "PAUSE c1", "RESUME c1", "PAUSE c1");
        assertThat(refusals())
                .containsExactly(
                        "pause refused: replayed record: nonce n2 was taken already",
                        "pause refused: replayed record: signed at 2000, 600000 ms or more before the latest signed"
                                + " record of what it is about");
    }

    @Test
    void aCampaignOfAnAppThatRequiresApprovalFiresOnlyOnceAnotherPrincipalApprovedItsContentAsItIs() throws Exception {
        harness.close();
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(
                        new ControlGate(Set.of("news", "games"), Set.of("news"), Set.of("news"), "job-1", WINDOW)),
                ControlGate.key(),
                Types.STRING);
        harness.open();
        CampaignEvent created = signed(create("c1", "news"), 1_000, "n1");
        created.contentHash = "v1";
        harness.processElement(new StreamRecord<>(created));
        harness.processElement(new StreamRecord<>(signed(event(CampaignEvent.Type.FIRE, "c1"), 2_000, "n2")));
        harness.processElement(new StreamRecord<>(approve("c1", "v1", "alice", 3_000, "n3")));
        harness.processElement(new StreamRecord<>(approve("c1", "v0", "bob", 4_000, "n4")));
        harness.processElement(new StreamRecord<>(approve("c1", "v1", "bob", 5_000, "n5")));
        // Edited after the approval: the new content needs its own.
        CampaignEvent edited = signed(create("c1", "news"), 6_000, "n6");
        edited.contentHash = "v2";
        harness.processElement(new StreamRecord<>(edited));
        harness.processElement(new StreamRecord<>(signed(event(CampaignEvent.Type.FIRE, "c1"), 7_000, "n7")));
        harness.processElement(new StreamRecord<>(approve("c1", "v2", "bob", 8_000, "n8")));
        harness.processElement(new StreamRecord<>(signed(event(CampaignEvent.Type.FIRE, "c1"), 9_000, "n9")));
        CampaignEvent scheduled = signed(create("c2", "news"), 1_000, "m1");
        scheduled.campaign.schedule = new Schedule();
        harness.processElement(new StreamRecord<>(scheduled));
        assertThat(passed()).containsExactly("CREATE c1", "CREATE c1", "FIRE c1");
        assertThat(harness.getSideOutput(Descriptors.STATUS).stream()
                        .map(r -> (CampaignStatus) r.getValue())
                        .map(st ->
                                st.status + " " + (st.error != null ? st.error : st.principal + " " + st.contentHash))
                        .toList())
                .containsExactly(
                        "REJECTED fire refused: not approved (apps.news.requireApproval): its content must be"
                                + " approved, by `campaign approve c1`, by a principal other than alice",
                        "REJECTED approve refused: by its creator alice: another principal must approve",
                        "REJECTED approve refused: the content approved (v0) is not the campaign's now (v1): it was"
                                + " changed; approve what was accepted last",
                        "APPROVED bob v1",
                        "REJECTED fire refused: not approved (apps.news.requireApproval): its content must be"
                                + " approved, by `campaign approve c1`, by a principal other than alice",
                        "APPROVED bob v2",
                        "REJECTED create refused: a campaign with a schedule on an app with requireApproval"
                                + " (apps.news): the job would fire it by itself, unapproved; create it without one,"
                                + " have it approved, and fire it");
    }

    @Test
    void aCampaignOfAnAppThatRequiresATestSendFiresOnlyAfterATestOfItsContentAsItIs() throws Exception {
        harness.close();
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ControlGate(Set.of("news", "games"), Set.of(), Set.of(), null, WINDOW)
                        .testSends(Set.of("news"), Set.of("news"))),
                ControlGate.key(),
                Types.STRING);
        harness.open();
        CampaignEvent created = create("c1", "news");
        created.contentHash = "v1";
        harness.processElement(new StreamRecord<>(created));
        harness.processElement(new StreamRecord<>(event(CampaignEvent.Type.FIRE, "c1")));
        harness.processElement(new StreamRecord<>(event(CampaignEvent.Type.TEST, "c1")));
        // Edited after its test: the new content needs a test of its own, for a fire and a send alike.
        CampaignEvent edited = create("c1", "news");
        edited.contentHash = "v2";
        harness.processElement(new StreamRecord<>(edited));
        harness.processElement(new StreamRecord<>(event(CampaignEvent.Type.SEND, "c1")));
        harness.processElement(new StreamRecord<>(event(CampaignEvent.Type.TEST, "c1")));
        harness.processElement(new StreamRecord<>(event(CampaignEvent.Type.FIRE, "c1")));
        // An app without seeds has nothing to test on; a scheduled campaign would fire untested.
        harness.processElement(new StreamRecord<>(create("g1", "games")));
        harness.processElement(new StreamRecord<>(event(CampaignEvent.Type.TEST, "g1")));
        harness.processElement(new StreamRecord<>(event(CampaignEvent.Type.FIRE, "g1")));
        CampaignEvent scheduled = create("c2", "news");
        scheduled.campaign.schedule = new Schedule();
        harness.processElement(new StreamRecord<>(scheduled));
        assertThat(passed())
                .containsExactly("CREATE c1", "TEST c1", "CREATE c1", "TEST c1", "FIRE c1", "CREATE g1", "FIRE g1");
        assertThat(refusals())
                .containsExactly(
                        "fire refused: not tested (apps.news.requireTestSend): send its content as it is to the app's"
                                + " seeds first, by `campaign test c1`",
                        "send refused: not tested (apps.news.requireTestSend): send its content as it is to the app's"
                                + " seeds first, by `campaign test c1`",
                        "test refused: apps.games has no seeds to test on (apps.games.seeds)",
                        "create refused: a campaign with a schedule on an app with requireTestSend (apps.news): the"
                                + " job would fire it by itself, untested; create it without one, test it, and fire"
                                + " it");
    }

    private static CampaignEvent approve(String campaignId, String content, String principal, long at, String nonce) {
        CampaignEvent e = event(CampaignEvent.Type.APPROVE, campaignId);
        e.contentHash = content;
        e.signedBy = new SignedBy(principal, principal + "-key", at, nonce);
        return e;
    }

    @Test
    void whatTheGateKnowsSurvivesARestore() throws Exception {
        harness.processElement(new StreamRecord<>(signed(create("c1", "news"), 1_000, "n1")));
        var snapshot = harness.snapshot(1, 1);
        harness.close();
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(
                        new ControlGate(Set.of("news", "games"), Set.of("news"), Set.of(), "job-1", WINDOW)),
                ControlGate.key(),
                Types.STRING);
        harness.initializeState(snapshot);
        harness.open();
        harness.processElement(new StreamRecord<>(event(CampaignEvent.Type.FIRE, "c1")));
        harness.processElement(new StreamRecord<>(signed(create("c1", "news"), 1_000, "n1")));
        assertThat(passed()).isEmpty();
        assertThat(refusals())
                .containsExactly(
                        "fire refused: unsigned record: apps.news.requireSigned",
                        "create refused: replayed record: nonce n1 was taken already");
    }
}
