package io.herald.job.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.ArmCounts;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/** Counts summed where they arise: handed on each second, before each barrier, and when too many keys are held. */
class LocalSumsTest {
    private static ArmCounts exposed(String campaignId, String arm) {
        ArmCounts c = ArmCounts.of(campaignId, arm, false);
        c.exposed = 1;
        return c;
    }

    @Test
    void aSumPerArmEachSecondAndBeforeEachBarrier() throws Exception {
        try (OneInputStreamOperatorTestHarness<ArmCounts, ArmCounts> h =
                new OneInputStreamOperatorTestHarness<>(new LocalSums<>(ArmCountsSum.arm(), new ArmCountsSum()))) {
            h.setProcessingTime(0);
            h.open();
            for (int i = 0; i < 10; i++) {
                h.processElement(new StreamRecord<>(exposed("c", i % 2 == 0 ? "a" : "b")));
            }
            assertThat(h.extractOutputValues()).isEmpty();
            h.setProcessingTime(LocalSums.EVERY_MILLIS);
            assertThat(h.extractOutputValues())
                    .extracting(a -> a.arm + "=" + a.exposed)
                    .containsExactlyInAnyOrder("a=5", "b=5");

            h.processElement(new StreamRecord<>(exposed("c", "a")));
            h.prepareSnapshotPreBarrier(1);
            assertThat(h.extractOutputValues()).hasSize(3);
            assertThat(h.extractOutputValues().get(2).exposed).isEqualTo(1);
        }
    }

    @Test
    void oneKeyMoreThanItHoldsHandsThemAllOn() throws Exception {
        try (OneInputStreamOperatorTestHarness<ArmCounts, ArmCounts> h =
                new OneInputStreamOperatorTestHarness<>(new LocalSums<>(ArmCountsSum.arm(), new ArmCountsSum()))) {
            h.open();
            for (int i = 0; i < LocalSums.MAX_KEYS; i++) {
                h.processElement(new StreamRecord<>(exposed("c" + i, null)));
            }
            assertThat(h.extractOutputValues()).isEmpty();
            h.processElement(new StreamRecord<>(exposed("one more", null)));
            assertThat(h.extractOutputValues()).hasSize(LocalSums.MAX_KEYS);
            h.prepareSnapshotPreBarrier(1);
            assertThat(h.extractOutputValues()).hasSize(LocalSums.MAX_KEYS + 1);
        }
    }
}
