package io.herald.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShareOutTest {
    private static final Demand WAITING = new Demand(500, true);

    @Test
    void nobodyAskingSplitsEvenly() {
        assertThat(ShareOut.divide(1000, new Demand[] {Demand.IDLE, Demand.IDLE}))
                .containsExactly(500, 500);
    }

    @Test
    void anInstanceWithNothingToSendLendsAllButItsFloor() {
        double[] shares = ShareOut.divide(1000, new Demand[] {WAITING, Demand.IDLE});
        assertThat(shares[1]).isEqualTo(1000 * ShareOut.RESERVE / 2);
        assertThat(shares[0]).isCloseTo(975, within(1e-9));
    }

    @Test
    void instancesThatAllWaitShareEvenly() {
        assertThat(ShareOut.divide(1000, new Demand[] {WAITING, new Demand(10, true)}))
                .containsExactly(500, 500);
    }

    @Test
    void aSteadySenderKeepsWhatItSentWithHeadroomAndTheWaitingOneGetsTheRest() {
        double[] shares = ShareOut.divide(1000, new Demand[] {new Demand(100, false), WAITING});
        assertThat(shares[0]).isCloseTo(125, within(1e-9));
        assertThat(shares[1]).isCloseTo(875, within(1e-9));
    }

    @Test
    void aSenderAskingMoreThanAnEvenPartGetsTheEvenPart() {
        double[] shares = ShareOut.divide(1000, new Demand[] {new Demand(900, false), WAITING, new Demand(900, false)});
        assertThat(shares).containsExactly(new double[] {1000 / 3.0, 1000 / 3.0, 1000 / 3.0}, within(1e-9));
    }

    @Test
    void oneInstanceHasItAll() {
        assertThat(ShareOut.divide(1000, new Demand[] {Demand.IDLE})).containsExactly(1000);
    }

    @Test
    void theWholeBudgetIsHandedOutAndNeverMore() {
        Random random = new Random(7);
        for (int run = 0; run < 10_000; run++) {
            int n = 1 + random.nextInt(8);
            Demand[] demands = new Demand[n];
            for (int i = 0; i < n; i++) {
                demands[i] = new Demand(random.nextDouble() * 2000, random.nextInt(3) == 0);
            }
            double[] shares = ShareOut.divide(1000, demands);
            assertThat(Arrays.stream(shares).sum()).isCloseTo(1000, within(1e-6));
            assertThat(Arrays.stream(shares).min().getAsDouble())
                    .isGreaterThanOrEqualTo(1000 * ShareOut.RESERVE / n - 1e-9);
        }
    }
}
