package io.herald.job.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.CampaignStatus;
import io.herald.model.DeliveryTally;
import io.herald.model.Outcome;
import io.herald.model.Platform;
import io.herald.model.Receipt;
import io.herald.model.SendRequest;
import io.herald.model.StatusKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Receipts tallied where they arise ({@link LocalSums} with {@link ReceiptTally}) and summed per
 * campaign ({@link DeliveryTotals}): the {@code receipts} record counts each receipt once, by
 * outcome and reason, with latency quantiles to two significant digits.
 */
class DeliveryTotalsTest {
    private static Receipt receipt(String campaignId, Outcome outcome, String reason, long latencyMs) {
        SendRequest request = new SendRequest();
        request.campaignId = campaignId;
        request.platform = Platform.IOS;
        request.firedAt = 1_000;
        return Receipt.of(request, outcome, 0, reason, 1, 1_000 + latencyMs);
    }

    /** What one delivery instance hands on for {@code receipts}: its tallies at the next checkpoint barrier. */
    private static List<DeliveryTally> tallied(List<Receipt> receipts) throws Exception {
        try (OneInputStreamOperatorTestHarness<Receipt, DeliveryTally> h =
                new OneInputStreamOperatorTestHarness<>(new LocalSums<>(ReceiptTally.campaign(), new ReceiptTally()))) {
            h.open();
            for (Receipt r : receipts) {
                h.processElement(new StreamRecord<>(r));
            }
            assertThat(h.extractOutputValues())
                    .as("held until a second passes or a barrier comes")
                    .isEmpty();
            h.prepareSnapshotPreBarrier(1);
            return new ArrayList<>(h.extractOutputValues());
        }
    }

    @Test
    void twoDeliveriesReceiptsComeToOneRecordPerCampaignWithTheirOutcomesReasonsAndLatencies() throws Exception {
        List<Receipt> apns = new ArrayList<>();
        List<Receipt> fcm = new ArrayList<>();
        for (int i = 1; i <= 1_000; i++) {
            (i % 2 == 0 ? apns : fcm).add(receipt("c", Outcome.DELIVERED, null, i));
        }
        apns.add(receipt("c", Outcome.TOKEN_DEAD, "Unregistered", 5_000));
        fcm.add(receipt("c", Outcome.FAILED, "gave up after 3 attempts: 503", 7_000));
        apns.add(receipt("other", Outcome.DELIVERED, null, 10));
        List<DeliveryTally> apnsTallies = tallied(apns);
        assertThat(apnsTallies).as("a tally per campaign").hasSize(2);

        try (KeyedOneInputStreamOperatorTestHarness<String, DeliveryTally, CampaignStatus> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new DeliveryTotals()), t -> t.campaignId, Types.STRING)) {
            h.open();
            h.setProcessingTime(0);
            for (DeliveryTally t : apnsTallies) {
                h.processElement(new StreamRecord<>(t));
            }
            for (DeliveryTally t : tallied(fcm)) {
                h.processElement(new StreamRecord<>(t));
            }
            h.setProcessingTime(DeliveryTotals.EVERY_MILLIS - 1);
            assertThat(h.extractOutputValues()).as("none before its time").isEmpty();
            h.setProcessingTime(DeliveryTotals.EVERY_MILLIS);
            CampaignStatus c = h.extractOutputValues().stream()
                    .filter(s -> s.campaignId.equals("c"))
                    .findFirst()
                    .orElseThrow();
            assertThat(c.status).isEqualTo(StatusKind.RECEIPTS);
            assertThat(c.receipts).isEqualTo(1_002);
            assertThat(c.byOutcome).isEqualTo(Map.of("delivered", 1_000L, "token_dead", 1L, "failed", 1L));
            assertThat(c.failures).isEqualTo(Map.of("ios Unregistered", 1L, "ios gave up after 3 attempts: 503", 1L));
            // Latencies 1..1000 ms, then 5 s and 7 s: the median is 501 (two significant digits: 500..505).
            assertThat(c.latencyMs.get("p50")).isBetween(500L, 505L);
            assertThat(c.latencyMs.get("p99")).isBetween(990L, 1_000L);
            assertThat(c.latencyMs.get("max")).isBetween(7_000L, 7_070L);
            assertThat(h.extractOutputValues()).hasSize(2);

            // More receipts: one more record, with everything so far; none while nothing changes.
            for (DeliveryTally t : tallied(List.of(receipt("c", Outcome.DELIVERED, null, 3)))) {
                h.processElement(new StreamRecord<>(t));
            }
            h.setProcessingTime(10 * DeliveryTotals.EVERY_MILLIS);
            assertThat(h.extractOutputValues()).hasSize(3);
            assertThat(h.extractOutputValues().get(2).receipts).isEqualTo(1_003);
            h.setProcessingTime(20 * DeliveryTotals.EVERY_MILLIS);
            assertThat(h.extractOutputValues()).hasSize(3);
        }
    }

    @Test
    void theTotalsAreAPojoInStateWithNoFieldLeftToKryo() {
        TypeInformation<DeliveryTally> type = TypeInformation.of(DeliveryTally.class);
        assertThat(type).isInstanceOf(PojoTypeInfo.class);
        PojoTypeInfo<DeliveryTally> pojo = (PojoTypeInfo<DeliveryTally>) type;
        for (int i = 0; i < pojo.getArity(); i++) {
            assertThat(pojo.getPojoFieldAt(i).getTypeInformation())
                    .as(pojo.getPojoFieldAt(i).getField().getName())
                    .isNotInstanceOf(GenericTypeInfo.class);
        }
    }

    @Test
    void reasonsPastTheLimitAreCountedTogetherAndNoneIsLost() throws Exception {
        List<Receipt> receipts = new ArrayList<>();
        for (int i = 0; i < DeliveryTally.MAX_REASONS + 20; i++) {
            receipts.add(receipt("c", Outcome.FAILED, "reason " + i, 10));
        }
        try (KeyedOneInputStreamOperatorTestHarness<String, DeliveryTally, CampaignStatus> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new DeliveryTotals()), t -> t.campaignId, Types.STRING)) {
            h.open();
            h.setProcessingTime(0);
            // Two halves, as two deliveries would hand them on.
            for (List<Receipt> half : List.of(receipts.subList(0, 40), receipts.subList(40, receipts.size()))) {
                for (DeliveryTally t : tallied(half)) {
                    h.processElement(new StreamRecord<>(t));
                }
            }
            h.setProcessingTime(DeliveryTotals.EVERY_MILLIS);
            CampaignStatus c = h.extractOutputValues().get(0);
            assertThat(c.failures).hasSize(DeliveryTally.MAX_REASONS + 1);
            assertThat(c.failures.get(DeliveryTally.OTHER_REASONS)).isEqualTo(20);
            assertThat(c.failures.values().stream().mapToLong(Long::longValue).sum())
                    .isEqualTo(receipts.size());
        }
    }
}
