package io.herald.job.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.herald.kafka.TopicSince;
import io.herald.model.StatusKind;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code herald audit --app APP}: an app's history, in order: every control record of it the job
 * read (its type, campaign, who signed it with which key, or unsigned; taken, or refused and why),
 * and what the job answered about those campaigns (accepted, approved, fired, paused, cancelled,
 * rejected, ...). Read committed from {@code campaign-status}, with no consumer group.
 */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "Print an app's history: every control record, who signed it, and what it caused.")
public final class AuditCommand implements Callable<Integer> {
    /** What the job answers about a campaign, printed under the records. */
    private static final Set<StatusKind> ANSWERS = Set.of(
            StatusKind.ACCEPTED,
            StatusKind.REJECTED,
            StatusKind.APPROVED,
            StatusKind.TESTED,
            StatusKind.FIRED,
            StatusKind.IGNORED,
            StatusKind.SKIPPED,
            StatusKind.CANCELLED,
            StatusKind.PAUSED,
            StatusKind.RESUMED,
            StatusKind.SENT,
            StatusKind.RETRIED,
            StatusKind.DECIDED);

    private static final ObjectMapper JSON = new ObjectMapper();

    @Mixin
    ConfigOption deployment;

    @Option(names = "--app", required = true, paramLabel = "APP", description = "The app's id.")
    String app;

    @Option(
            names = "--since",
            defaultValue = "P7D",
            paramLabel = "DURATION",
            description = "Read what was written within this time (default ${DEFAULT-VALUE}).")
    Duration since;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<JsonNode> audit = new ArrayList<>();
        List<JsonNode> answers = new ArrayList<>();
        TopicSince.read(
                deployment.kafka(),
                deployment.config().topics.campaignStatus,
                System.currentTimeMillis() - since.toMillis(),
                true,
                r -> {
                    JsonNode n;
                    try {
                        n = JSON.readTree(r.value());
                    } catch (Exception unreadable) {
                        return;
                    }
                    StatusKind kind = StatusKind.fromWire(n.path("status").asText());
                    if (kind == StatusKind.AUDIT) {
                        if (app.equals(n.path("appId").asText())) {
                            audit.add(n);
                        }
                    } else if (ANSWERS.contains(kind) && n.path("subtask").asInt(0) == 0) {
                        answers.add(n);
                    }
                });
        Set<String> campaigns = new HashSet<>();
        audit.forEach(a -> campaigns.add(a.path("campaignId").asText()));
        List<JsonNode> history = new ArrayList<>(audit);
        answers.stream()
                .filter(n -> campaigns.contains(n.path("campaignId").asText())
                        || app.equals(n.path("appId").asText()) && !n.hasNonNull("campaignId"))
                .forEach(history::add);
        // In the order things happened; a record before the answers it caused.
        history.sort(Comparator.comparingLong((JsonNode n) -> n.path("at").asLong())
                .thenComparing(
                        n -> StatusKind.AUDIT.wire().equals(n.path("status").asText()) ? 0 : 1));
        if (audit.isEmpty()) {
            out.printf("No control record of app %s in the last %s.%n", app, since);
            out.flush();
            return 0;
        }
        out.printf("History of app %s, the last %s (%d control records):%n", app, since, audit.size());
        for (JsonNode n : history) {
            String at = Instant.ofEpochMilli(n.path("at").asLong()).toString();
            String about = n.hasNonNull("campaignId") ? n.path("campaignId").asText() : "(the app)";
            if (StatusKind.AUDIT.wire().equals(n.path("status").asText())) {
                String by = n.hasNonNull("principal")
                        ? "signed by " + n.path("principal").asText() + " (key "
                                + n.path("keyId").asText() + ")"
                        : "no known signer";
                out.printf(
                        "%s  %-8s %-24s %s: %s%n",
                        at,
                        n.path("record").asText(),
                        about,
                        by,
                        n.hasNonNull("error") ? "refused, " + n.path("error").asText() : "taken");
            } else {
                String detail = n.hasNonNull("error")
                        ? ": " + n.path("error").asText()
                        : n.hasNonNull("principal")
                                ? " by " + n.path("principal").asText()
                                : "";
                out.printf("%s    -> %s %s%s%n", at, about, n.path("status").asText(), detail);
            }
        }
        out.flush();
        return 0;
    }
}
