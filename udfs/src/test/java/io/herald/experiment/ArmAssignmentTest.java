package io.herald.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ArmAssignmentTest {
    @Test
    void theSplitIsTheOneAnyoneComputesFromItsDescription() {
        // Expected values computed apart, with Python's hashlib, from the formula in the Javadoc.
        assertThat(ArmAssignment.point("c1", "user-1")).isEqualTo(0.5277189814704294);
        assertThat(ArmAssignment.point("spring-sale", "ana")).isEqualTo(0.524924527735891);
        assertThat(ArmAssignment.point("x", "Zoë")).isEqualTo(0.18314467904890397);
        ArmAssignment a = ArmAssignment.of("c1", List.of(1, 1, 2), 0.1);
        int[] expected = {ArmAssignment.HOLDOUT, 1, 2, 2, 1, 1, 1, 2, 0, 2, ArmAssignment.HOLDOUT, 1};
        for (int i = 0; i < expected.length; i++) {
            assertThat(a.armOf("user-" + i)).as("user-" + i).isEqualTo(expected[i]);
        }
    }

    @Test
    void usersAreSpreadByWeight_andTheHoldoutByItsShare() {
        ArmAssignment a = ArmAssignment.of("spread", List.of(1, 1, 2), 0.1);
        int n = 200_000;
        int[] counts = new int[3];
        int held = 0;
        for (int u = 0; u < n; u++) {
            int arm = a.armOf("u" + u);
            if (arm == ArmAssignment.HOLDOUT) {
                held++;
            } else {
                counts[arm]++;
            }
        }
        // Binomial: five standard deviations at most (about 0.34 points for a share of 0.225 here).
        assertThat(held / (double) n).isCloseTo(0.1, within(5 * Math.sqrt(0.1 * 0.9 / n)));
        double[] shares = {0.225, 0.225, 0.45};
        for (int i = 0; i < 3; i++) {
            double s = shares[i];
            assertThat(counts[i] / (double) n).as("arm " + i).isCloseTo(s, within(5 * Math.sqrt(s * (1 - s) / n)));
        }
    }

    @Test
    void aUsersArmIsTheSameEveryTime_andIndependentFromOneCampaignToTheNext() {
        ArmAssignment first = ArmAssignment.of("first", List.of(1, 1), 0);
        ArmAssignment again = ArmAssignment.of("first", List.of(1, 1), 0);
        ArmAssignment second = ArmAssignment.of("second", List.of(1, 1), 0);
        int n = 100_000;
        int same = 0;
        for (int u = 0; u < n; u++) {
            String user = "u" + u;
            assertThat(again.armOf(user)).isEqualTo(first.armOf(user));
            if (first.armOf(user) == second.armOf(user)) {
                same++;
            }
        }
        // Independent campaigns: the same arm in both for half the users, not for all or none.
        assertThat(same / (double) n).isCloseTo(0.5, within(5 * Math.sqrt(0.25 / n)));
    }

    @Test
    void noHoldoutHoldsNoOne_andWhatIsWrongIsNamed() {
        ArmAssignment a = ArmAssignment.of("c", List.of(3, 1), 0);
        for (int u = 0; u < 10_000; u++) {
            assertThat(a.armOf("u" + u)).isBetween(0, 1);
        }
        assertThatThrownBy(() -> ArmAssignment.of("c", List.of(1), 0)).hasMessageContaining("arms: 2 to 10 arms");
        assertThatThrownBy(() -> ArmAssignment.of("c", List.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), 0))
                .hasMessageContaining("not 11");
        assertThatThrownBy(() -> ArmAssignment.of("c", List.of(1, 0), 0)).hasMessageContaining("arms[1].weight");
        assertThatThrownBy(() -> ArmAssignment.of("c", List.of(1, 1), 0.6)).hasMessageContaining("holdout");
        assertThatThrownBy(() -> ArmAssignment.of("c", List.of(1, 1), Double.NaN))
                .hasMessageContaining("holdout");
    }
}
