package io.herald.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.herald.model.ArmCounts;
import java.util.List;
import org.junit.jupiter.api.Test;

class WinnerDecisionTest {
    private static ArmCounts arm(String name, long users, long converted, long opened) {
        ArmCounts a = ArmCounts.of("c", name, false);
        a.exposed = users;
        a.converted = converted;
        a.opened = opened;
        return a;
    }

    @Test
    void aClearlyBetterArmWins_withItsPValues() {
        // 120 of 1,000 against 80 of 1,000: p = 0.00287 (the pooled z-test, worked in Python with math.erfc), below
        // 0.05.
        WinnerDecision.Decision d = WinnerDecision.decide(
                List.of(arm("a", 1000, 80, 0), arm("b", 1000, 120, 0)),
                WinnerDecision.Metric.CONVERSION,
                0.95,
                500,
                "a");
        assertThat(d.winner()).isEqualTo("b");
        assertThat(d.decided()).isTrue();
        assertThat(d.pValues().get(0)).isCloseTo(0.0028691127920766257, within(1e-12));
        assertThat(d.pValues().get(1)).isNull();
        assertThat(d.reason()).isEqualTo("arm b is better than every other arm at 95.0% confidence");
    }

    @Test
    void aBestArmNotSignificantlyBetterThanEveryOtherGivesTheFallback_BonferroniCorrected() {
        // b beats a clearly but c only at p = 0.0355: below 0.05, not below 0.025 with two comparisons.
        List<ArmCounts> arms = List.of(arm("a", 1000, 80, 0), arm("b", 1000, 130, 0), arm("c", 1000, 100, 0));
        WinnerDecision.Decision d = WinnerDecision.decide(arms, WinnerDecision.Metric.CONVERSION, 0.95, 500, null);
        assertThat(d.winner()).isNull();
        assertThat(d.decided()).isFalse();
        assertThat(d.best()).isEqualTo("b");
        assertThat(d.pValues().get(2)).isCloseTo(0.03548845046647473, within(1e-12));
        assertThat(d.reason()).startsWith("arm b is best, but not better than arm c at 95.0% confidence");
    }

    @Test
    void tooFewUsersInAnArmGivesTheFallback_andOpensCountWithoutAConversion() {
        WinnerDecision.Decision few = WinnerDecision.decide(
                List.of(arm("a", 400, 0, 40), arm("b", 1000, 0, 300)), WinnerDecision.Metric.OPEN, 0.95, 500, "a");
        assertThat(few.winner()).isEqualTo("a");
        assertThat(few.decided()).isFalse();
        assertThat(few.reason())
                .isEqualTo(
                        "arm a has 400 users, fewer than the 500 the test asks of every arm:" + " the fallback goes");
        WinnerDecision.Decision opens = WinnerDecision.decide(
                List.of(arm("a", 1000, 0, 100), arm("b", 1000, 0, 300)), WinnerDecision.Metric.OPEN, 0.95, 500, "a");
        assertThat(opens.winner()).isEqualTo("b");
    }
}
