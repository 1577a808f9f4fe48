package io.herald.job.fanout.walk;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.CampaignStatus;
import io.herald.model.StatusKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunawayAlertsTest {
    @Test
    void atMostTenASecond_theNextOneWrittenSaysHowManyWereLeftOut() {
        List<CampaignStatus> written = new ArrayList<>();
        RunawayAlerts alerts = new RunawayAlerts(written::add);
        for (int i = 0; i < 25; i++) {
            alerts.capped("c1", "news", "user-" + i, "runaway guard", 5_000 + i);
        }
        assertThat(written).hasSize(RunawayAlerts.PER_SECOND).allSatisfy(a -> {
            assertThat(a.status).isEqualTo(StatusKind.RUNAWAY);
            assertThat(a.appId).isEqualTo("news");
            assertThat(a.campaignId).isEqualTo("c1");
            assertThat(a.alertsLeftOut).isNull();
        });
        assertThat(written).extracting(a -> a.userId).startsWith("user-0").endsWith("user-9");
        alerts.capped("c2", "news", "late", "runaway guard", 6_000);
        assertThat(written).hasSize(11);
        assertThat(written.get(10).userId).isEqualTo("late");
        assertThat(written.get(10).alertsLeftOut).isEqualTo(15);
        alerts.capped("c2", "news", "later", "runaway guard", 6_001);
        assertThat(written.get(11).alertsLeftOut).as("said once").isNull();
    }
}
