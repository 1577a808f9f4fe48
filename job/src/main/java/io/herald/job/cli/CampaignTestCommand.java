package io.herald.job.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.model.StatusKind;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import picocli.CommandLine.Command;

/** {@code campaign test ID}: a campaign to its app's seed users only (see README, "Seed users and test sends"). */
@Command(
        name = "test",
        mixinStandardHelpOptions = true,
        description = "Send the campaign to its app's seed users only (apps.X.seeds): every arm in every locale, "
                + "to each of their devices, whatever the audience. An app with requireTestSend fires a "
                + "campaign only after a test of its content as it is.")
final class CampaignTestCommand extends CampaignCommand.EventAction {
    /** Names this test, so that its answers are told from another test's of the campaign. */
    private final String sendId = "cli-" + UUID.randomUUID();

    @Override
    byte[] record() {
        return event("test", id, Map.of("sendId", sendId));
    }

    @Override
    int answer(CampaignWatcher w) throws Exception {
        w.awaitUntil(
                timeout,
                () -> {},
                () -> !mine(w).isEmpty()
                        || !w.statuses(StatusKind.REJECTED).isEmpty()
                        || !w.statuses(StatusKind.SKIPPED).isEmpty());
        JsonNode first = !mine(w).isEmpty()
                ? mine(w).get(0)
                : !w.statuses(StatusKind.REJECTED).isEmpty()
                        ? w.statuses(StatusKind.REJECTED).get(0)
                        : w.statuses(StatusKind.SKIPPED).isEmpty()
                                ? null
                                : w.statuses(StatusKind.SKIPPED).get(0);
        int code = answer(id, first, StatusKind.TESTED);
        if (code != CampaignCommand.OK) {
            return code;
        }
        // One record from each instance holding seeds: wait for all of the app's seeds.
        long expected = first.path("usersExpected").asLong();
        boolean all = w.awaitUntil(timeout, () -> {}, () -> sum(w, "users") >= expected);
        out().printf(
                        "  %,d notifications (every arm in every locale) to the devices of %d of %d seed users%n",
                        sum(w, "targeted"), sum(w, "users"), expected);
        if (all && sum(w, "targeted") == 0) {
            out().println("  nothing was handed out: no seed has a device of the app that can receive");
            return CampaignCommand.REFUSED_BY_JOB;
        }
        return all ? CampaignCommand.OK : CampaignCommand.NOT_YET;
    }

    private long sum(CampaignWatcher w, String field) {
        return mine(w).stream().mapToLong(s -> s.path(field).asLong()).sum();
    }

    /** This test's {@code tested} records (one per instance holding seeds), not another's. */
    private List<JsonNode> mine(CampaignWatcher w) {
        return w.statuses(StatusKind.TESTED).stream()
                .filter(s -> sendId.equals(s.path("sendId").asText()))
                .toList();
    }
}
