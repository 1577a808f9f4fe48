package io.herald.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Against figures computed apart: Newcombe's published examples (Statistics in Medicine 1998, "Two-sided
 * confidence intervals for the single proportion" and "Interval estimation for the difference between
 * independent proportions", to their four decimals), and the z-test worked in Python with
 * {@code math.erfc}.
 */
class ProportionsTest {
    private static final double NEWCOMBE = 0.00005;

    @Test
    void wilsonMatchesNewcombesExamples() {
        assertInterval(Proportions.wilson(81, 263, 0.95), 0.2553, 0.3662);
        assertInterval(Proportions.wilson(15, 148, 0.95), 0.0624, 0.1605);
        assertInterval(Proportions.wilson(0, 20, 0.95), 0.0, 0.1611);
        assertInterval(Proportions.wilson(1, 29, 0.95), 0.0061, 0.1718);
        assertThat(Proportions.wilson(29, 29, 0.95).high()).isEqualTo(1.0);
        assertThat(Proportions.wilson(0, 0, 0.95)).isNull();
    }

    @Test
    void theDifferenceMatchesNewcombesMethodTen() {
        assertInterval(Proportions.difference(56, 70, 48, 80, 0.95), 0.0524, 0.3339);
        assertInterval(Proportions.difference(9, 10, 3, 10, 0.95), 0.1705, 0.8090);
        assertThat(Proportions.difference(1, 2, 0, 0, 0.95)).isNull();
    }

    @Test
    void thePValueIsTheTwoSidedPooledZTest() {
        // Python: p = (56+48)/150; z = (56/70-48/80)/sqrt(p*(1-p)*(1/70+1/80)); math.erfc(abs(z)/sqrt(2))
        assertThat(Proportions.pValue(56, 70, 48, 80)).isCloseTo(0.008045081368196568, within(1e-12));
        assertThat(Proportions.pValue(120, 1000, 100, 1000)).isCloseTo(0.1529177818639462, within(1e-12));
        assertThat(Proportions.pValue(100, 1000, 120, 1000)).isCloseTo(0.1529177818639462, within(1e-12));
        assertThat(Proportions.pValue(0, 10, 0, 10)).isEqualTo(1.0);
        assertThat(Proportions.pValue(0, 0, 1, 10)).isNull();
    }

    @Test
    void confidenceIsANamedQuantile_andCountsMustMakeSense() {
        assertThat(Proportions.z(0.95)).isCloseTo(1.959963984540054, within(1e-9));
        assertThat(Proportions.z(0.99)).isCloseTo(2.5758293035489, within(1e-9));
        assertThatThrownBy(() -> Proportions.z(1.0)).hasMessageContaining("confidence");
        assertThatThrownBy(() -> Proportions.wilson(3, 2, 0.95)).hasMessageContaining("3 of 2");
    }

    private static void assertInterval(Proportions.Interval i, double low, double high) {
        assertThat(i.low()).isCloseTo(low, within(NEWCOMBE));
        assertThat(i.high()).isCloseTo(high, within(NEWCOMBE));
    }
}
