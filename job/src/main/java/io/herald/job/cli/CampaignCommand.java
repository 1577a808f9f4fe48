package io.herald.job.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.auth.SigningKey;
import io.herald.job.config.HeraldConfig;
import io.herald.job.config.SigningKeyFiles;
import io.herald.json.Json;
import io.herald.model.StatusKind;
import java.io.File;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code herald campaign ...}: a campaign's life from the command line. Each command writes the
 * record the {@code campaigns} topic takes (README, "campaigns"), keyed by the campaign's id, and
 * waits for the job's answer on {@code campaign-status} and {@code receipts}.
 *
 * <p>Exit codes: 0 done as asked; 1 the job rejected the campaign or event, or it was cancelled;
 * 2 refused before anything was written (a bad file, a bad option); 3 no answer within
 * {@code --timeout}, or (for {@code status}) the campaign is still under way.
 */
@Command(
        name = "campaign",
        mixinStandardHelpOptions = true,
        description = "Create, approve, estimate, test, fire, pause, resume, cancel, send and follow campaigns.",
        subcommands = {
            CampaignCommand.Create.class,
            CampaignCommand.Approve.class,
            CampaignCommand.Estimate.class,
            CampaignCommand.Fire.class,
            CampaignCommand.Cancel.class,
            CampaignCommand.Pause.class,
            CampaignCommand.Resume.class,
            CampaignCommand.Send.class,
            CampaignTestCommand.class,
            CampaignCommand.Status.class,
            CampaignCommand.Watch.class
        })
public final class CampaignCommand implements Runnable {
    static final int OK = 0;
    static final int REFUSED_BY_JOB = 1;
    static final int REFUSED_HERE = 2;
    static final int NOT_YET = 3;

    /** How far back {@code cancel} reads a campaign's records for what it had handed out. */
    static final Duration HISTORY = Duration.ofDays(1);

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
    }

    /** {@code --watch-timeout}: how long {@code fire} and {@code watch} follow a campaign. */
    static final class WatchTimeout {
        @Option(
                names = "--watch-timeout",
                defaultValue = "PT1H",
                paramLabel = "DURATION",
                description = "How long to watch (default ${DEFAULT-VALUE}).")
        Duration duration;
    }

    /** What every campaign command shares: the deployment, the time it waits, and writing one event. */
    abstract static class CampaignAction implements Callable<Integer> {
        @Mixin
        ConfigOption deployment;

        @Option(
                names = "--timeout",
                defaultValue = "PT2M",
                paramLabel = "DURATION",
                description = "How long to wait for the job's answer, as ISO-8601 (default ${DEFAULT-VALUE}).")
        Duration timeout;

        @Option(
                names = "--signing-key",
                defaultValue = "${env:HERALD_SIGNING_KEY}",
                paramLabel = "FILE",
                description = "Sign the record with this key file ({\"keyId\": ..., \"secret\": ...}), as an app "
                        + "with requireSigned needs (default: the file HERALD_SIGNING_KEY names, if set).")
        Path signingKey;

        @Spec
        CommandSpec spec;

        /** Where the command's own lines go: picocli's writer (standard output, or a test's). */
        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        HeraldConfig config() throws Exception {
            return deployment.config();
        }

        /**
         * A watcher of campaign {@code id} that sees only what is written from now on: its status
         * records, with the job's totals of its receipts, and the receipts themselves if {@code
         * receipts} (one user's send, whose receipts it prints).
         */
        CampaignWatcher watchFromNow(String id, boolean receipts) throws Exception {
            return new CampaignWatcher(
                    deployment.kafka(),
                    id,
                    receipts ? config().topics.receipts : null,
                    config().topics.campaignStatus,
                    CampaignWatcher.From.NOW);
        }

        /** A watcher of campaign {@code id}'s status records of the last {@link #HISTORY}. */
        CampaignWatcher history(String id) throws Exception {
            return new CampaignWatcher(
                    deployment.kafka(),
                    id,
                    null,
                    config().topics.campaignStatus,
                    CampaignWatcher.From.since(System.currentTimeMillis() - HISTORY.toMillis()));
        }

        /** Writes {@code record} to the campaigns topic, keyed by the campaign, and waits until it is stored. */
        void write(String campaignId, byte[] record) throws Exception {
            Properties p = deployment.kafka();
            p.put("key.serializer", StringSerializer.class.getName());
            p.put("value.serializer", ByteArraySerializer.class.getName());
            p.put("acks", "all");
            p.put("enable.idempotence", "true");
            ProducerRecord<String, byte[]> r = new ProducerRecord<>(config().topics.campaigns, campaignId, record);
            if (signingKey != null) {
                // The principal is the deployment's word for the key, not the signer's: any name does here.
                SigningKey key = SigningKeyFiles.read(signingKey, "signer");
                key.sign(
                                campaignId.getBytes(StandardCharsets.UTF_8),
                                record,
                                System.currentTimeMillis(),
                                UUID.randomUUID().toString())
                        .headers()
                        .forEach((name, value) -> r.headers().add(name, value.getBytes(StandardCharsets.UTF_8)));
            }
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
                producer.send(r).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        }

        static byte[] event(String type, String campaignId, Map<String, ?> fields) {
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("type", type);
            record.put("campaignId", campaignId);
            record.putAll(fields);
            return Json.bytes(record);
        }

        /** Polls until a status of one of {@code kinds} arrives; null after {@link #timeout}. */
        JsonNode awaitStatus(CampaignWatcher w, StatusKind... kinds) throws Exception {
            List<StatusKind> wanted = List.of(kinds);
            JsonNode[] found = new JsonNode[1];
            w.awaitUntil(timeout, () -> {}, () -> {
                for (JsonNode s : w.statuses()) {
                    if (wanted.contains(StatusKind.fromWire(s.path("status").asText()))) {
                        found[0] = s;
                        return true;
                    }
                }
                return false;
            });
            return found[0];
        }

        /** Says what came back for a one-line answer, and gives the exit code. */
        int answer(String id, JsonNode status, StatusKind wanted) {
            if (status == null) {
                out().printf(
                                "No answer from the job about %s within %s: is Herald running on this configuration?%n",
                                id, timeout);
                return NOT_YET;
            }
            String kind = status.path("status").asText();
            String error = status.path("error").asText("");
            out().println(id + ": " + kind + (error.isEmpty() ? "" : ": " + error));
            return kind.equals(wanted.wire()) ? OK : REFUSED_BY_JOB;
        }
    }

    /** {@code campaign create FILE}. */
    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description =
                    "Check a campaign file (JSON or YAML) with the job's own validator, write it to the campaigns "
                            + "topic, and print the job's answer (accepted or rejected). Nothing is written if the check fails.")
    static final class Create extends CampaignAction {
        /** A well-formed channel id the check stands in for the one APNs will give. */
        private static final String PLACEHOLDER_CHANNEL = "cGxhY2Vob2xkZXI=";

        @Parameters(index = "0", paramLabel = "FILE", description = "The campaign: the fields of a create record.")
        File file;

        @Override
        public Integer call() throws Exception {
            CampaignFile campaign;
            try {
                campaign = CampaignFile.read(file.toPath());
            } catch (IllegalArgumentException e) {
                out().println("Refused, nothing written: " + e.getMessage());
                return REFUSED_HERE;
            }
            // A broadcast start is checked as it will be written, with its channel, and the channel is
            // created only for a campaign the job would accept.
            String channelFor = campaign.appNeedingChannel();
            List<String> problems = (channelFor == null ? campaign : campaign.withChannel(PLACEHOLDER_CHANNEL))
                    .check(config().appIds());
            if (!problems.isEmpty()) {
                out().println("Refused, nothing written: " + file + " has " + problems.size() + " problem"
                        + (problems.size() == 1 ? "" : "s") + ":");
                problems.forEach(p -> out().println("  - " + p));
                return REFUSED_HERE;
            }
            String channel = null;
            if (channelFor != null) {
                channel = BroadcastChannels.create(config(), channelFor, timeout, out());
                if (channel == null) {
                    return REFUSED_HERE;
                }
                campaign = campaign.withChannel(channel);
            }
            String id = campaign.campaignId();
            int code;
            try (CampaignWatcher w = watchFromNow(id, false)) {
                write(id, campaign.createRecord());
                code = answer(id, awaitStatus(w, StatusKind.ACCEPTED, StatusKind.REJECTED), StatusKind.ACCEPTED);
            }
            if (code == REFUSED_BY_JOB && channel != null) {
                // The job refused the start, so nothing will ever use its channel (an app may hold only so many).
                BroadcastChannels.delete(config(), channelFor, channel, timeout, out());
            }
            return code;
        }
    }

    /** A command that writes one event about campaign ID and waits for the job's answer to it. */
    abstract static class EventAction extends CampaignAction {
        @Parameters(index = "0", paramLabel = "ID", description = "The campaign's id.")
        String id;

        /** The record written to the campaigns topic. */
        abstract byte[] record() throws Exception;

        /** Whether the answer needs the receipts themselves, not only the job's totals of them. */
        boolean readsReceipts() {
            return false;
        }

        /** Called before the record is written, to say what the watcher should keep. */
        void beforeWrite(CampaignWatcher w) throws Exception {}

        /** Waits for the job's answer, prints it and returns the exit code. */
        abstract int answer(CampaignWatcher w) throws Exception;

        @Override
        public Integer call() throws Exception {
            try (CampaignWatcher w = watchFromNow(id, readsReceipts())) {
                beforeWrite(w);
                write(id, record());
                return answer(w);
            }
        }
    }

    /** {@code campaign estimate ID}. */
    @Command(
            name = "estimate",
            mixinStandardHelpOptions = true,
            description = "Count who a fire would reach, per platform, locale and arm, and send nothing.")
    static final class Estimate extends EventAction {
        @Override
        byte[] record() throws Exception {
            return event("estimate", id, Map.of());
        }

        @Override
        int answer(CampaignWatcher w) throws Exception {
            CampaignWatcher.Estimate e = w.awaitEstimate(timeout);
            if (e == null) {
                return answer(
                        id,
                        w.rejection() == null
                                ? null
                                : w.statuses(StatusKind.REJECTED).get(0),
                        StatusKind.ESTIMATED);
            }
            out().print(e.table(id));
            return OK;
        }
    }

    /** {@code campaign fire ID}. */
    @Command(
            name = "fire",
            mixinStandardHelpOptions = true,
            description = "Fire a campaign at its audience, then watch it to the end (unless --no-watch).")
    static final class Fire extends EventAction {
        @Option(names = "--no-watch", description = "Return once the job has taken the fire.")
        boolean noWatch;

        @Option(
                names = "--confirm-audience",
                paramLabel = "DEVICES",
                description = "The audience you expect (as `campaign estimate` counts it): lets a fire go that the "
                        + "app's fireGuard would refuse, if it reaches no more than this.")
        Long confirmAudience;

        @Mixin
        WatchTimeout watchTimeout;

        @Override
        byte[] record() throws Exception {
            return event("fire", id, confirmAudience == null ? Map.of() : Map.of("confirmAudience", confirmAudience));
        }

        /** The fire's own receipts are counted: not those the campaign had before (its sends, an earlier run's). */
        @Override
        void beforeWrite(CampaignWatcher w) throws Exception {
            try (CampaignWatcher history = history(id)) {
                history.readToEnd(timeout);
                w.countReceiptsAfter(history.counts());
            }
        }

        @Override
        int answer(CampaignWatcher w) throws Exception {
            int taken = answer(
                    id, awaitStatus(w, StatusKind.FIRED, StatusKind.IGNORED, StatusKind.REJECTED), StatusKind.FIRED);
            if (taken != OK || noWatch) {
                return taken;
            }
            return new WatchDisplay(w, id, out()).follow(watchTimeout.duration);
        }
    }

    /** {@code campaign approve ID}. */
    @Command(
            name = "approve",
            mixinStandardHelpOptions = true,
            description = "Approve a campaign as the job accepted it last (its content's hash), on an app with "
                    + "requireApproval: signed (--signing-key) by a principal other than its creator.")
    static final class Approve extends EventAction {
        private String contentHash;

        /** The content the job accepted last, from the campaign's records of the last day. */
        @Override
        void beforeWrite(CampaignWatcher w) throws Exception {
            try (CampaignWatcher history = history(id)) {
                history.readToEnd(timeout);
                List<JsonNode> accepted = history.statuses(StatusKind.ACCEPTED);
                if (!accepted.isEmpty()) {
                    contentHash = accepted.get(accepted.size() - 1)
                            .path("contentHash")
                            .asText(null);
                }
            }
        }

        @Override
        public Integer call() throws Exception {
            try (CampaignWatcher w = watchFromNow(id, false)) {
                beforeWrite(w);
                if (contentHash == null) {
                    out().println(id + ": no accepted campaign of that id in the last day: nothing to approve");
                    return NOT_YET;
                }
                write(id, record());
                return answer(w);
            }
        }

        @Override
        byte[] record() {
            return event("approve", id, Map.of("contentHash", contentHash));
        }

        @Override
        int answer(CampaignWatcher w) throws Exception {
            JsonNode s = awaitStatus(w, StatusKind.APPROVED, StatusKind.REJECTED);
            int code = answer(id, s, StatusKind.APPROVED);
            if (code == OK) {
                out().printf(
                                "  content %s, approved by %s%n",
                                contentHash, s.path("principal").asText());
            }
            return code;
        }
    }

    /** {@code campaign cancel ID}. */
    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            description = "Cancel a campaign: no further notification of it starts.")
    static final class Cancel extends EventAction {
        @Override
        byte[] record() throws Exception {
            return event("cancel", id, Map.of());
        }

        @Override
        int answer(CampaignWatcher w) throws Exception {
            JsonNode s = awaitStatus(w, StatusKind.CANCELLED, StatusKind.REJECTED);
            int code = answer(id, s, StatusKind.CANCELLED);
            if (code == OK) {
                // One record per instance, each with what it had handed out; wait briefly for the rest.
                w.awaitUntil(
                        Duration.ofSeconds(5),
                        () -> {},
                        () -> w.statuses(StatusKind.CANCELLED).size()
                                >= s.path("subtasks").asInt(1));
                // An instance that had walked all of its users said what it handed out in its last
                // fanned_out record, not in its cancel: the campaign's history holds both.
                try (CampaignWatcher history = history(id)) {
                    history.readToEnd(timeout);
                    out().printf(
                                    history.fanOutComplete()
                                            ? "  it had already been handed out to all: %,d notifications%n"
                                            : "  %,d notifications had been handed out before the cancel%n",
                                    history.handedOut());
                }
            }
            return code;
        }
    }

    /** A record of {@code type} for the campaign, answered with status {@code done} (or rejected). */
    abstract static class PauseAction extends EventAction {
        private final String type;
        private final StatusKind done;

        PauseAction(String type, StatusKind done) {
            this.type = type;
            this.done = done;
        }

        @Override
        byte[] record() {
            return event(type, id, Map.of());
        }

        @Override
        int answer(CampaignWatcher w) throws Exception {
            return answer(id, awaitStatus(w, done, StatusKind.REJECTED), done);
        }
    }

    /** {@code campaign pause ID}. */
    @Command(
            name = "pause",
            mixinStandardHelpOptions = true,
            description = "Pause a campaign: nothing more of it starts toward a provider; what was not sent is "
                    + "held until a resume.")
    static final class Pause extends PauseAction {
        Pause() {
            super("pause", StatusKind.PAUSED);
        }
    }

    /** {@code campaign resume ID}. */
    @Command(
            name = "resume",
            mixinStandardHelpOptions = true,
            description = "Resume a paused campaign: what was held goes out, once.")
    static final class Resume extends PauseAction {
        Resume() {
            super("resume", StatusKind.RESUMED);
        }
    }

    /** {@code campaign send ID --user U}. */
    @Command(
            name = "send",
            mixinStandardHelpOptions = true,
            description = "Send the campaign to one user now (a transactional send), and print each device's receipt.")
    static final class Send extends EventAction {
        @Option(names = "--user", required = true, description = "The user's id.")
        String user;

        @Option(
                names = "--send-id",
                description = "Names this send, so that writing it twice sends once " + "(default: a new id per call).")
        String sendId;

        @Override
        byte[] record() throws Exception {
            return event(
                    "send", id, Map.of("userId", user, "sendId", sendId != null ? sendId : "cli-" + UUID.randomUUID()));
        }

        @Override
        boolean readsReceipts() {
            return true;
        }

        @Override
        void beforeWrite(CampaignWatcher w) {
            w.followUser(user);
        }

        @Override
        int answer(CampaignWatcher w) throws Exception {
            JsonNode s = awaitStatus(w, StatusKind.SENT, StatusKind.REJECTED, StatusKind.SKIPPED);
            int code = answer(id, s, StatusKind.SENT);
            if (code != OK) {
                return code;
            }
            long devices = s.path("targeted").asLong();
            out().printf(
                            "  %d device%s targeted, %d suppressed%n",
                            devices,
                            devices == 1 ? "" : "s",
                            s.path("suppressed").asLong());
            boolean all =
                    w.awaitUntil(timeout, () -> {}, () -> w.receiptsOfUser().size() >= devices);
            for (JsonNode r : w.receiptsOfUser()) {
                JsonNode reason = r.path("reason");
                out().printf(
                                "  %s %s: %s%s%n",
                                r.path("platform").asText(),
                                r.path("deviceId").asText(),
                                r.path("outcome").asText(),
                                reason.isMissingNode() || reason.isNull() ? "" : " (" + reason.asText() + ")");
            }
            return all ? OK : NOT_YET;
        }
    }

    /** What {@code status} and {@code watch} share: the campaign and how far back its records are read. */
    abstract static class Follow extends CampaignAction {
        @Parameters(index = "0", paramLabel = "ID", description = "The campaign's id.")
        String id;

        @Option(
                names = "--since",
                defaultValue = "P1D",
                paramLabel = "DURATION",
                description = "Read the campaign's records written within this time (default ${DEFAULT-VALUE}).")
        Duration since;

        @Option(
                names = "--count-receipts",
                description = "Count the campaign's receipts themselves (every one of the time read, slow at millions) "
                        + "instead of the job's totals: for a job started without state, or restored from a savepoint "
                        + "older than some of the campaign's receipts, whose totals miss them.")
        boolean countReceipts;

        CampaignWatcher watcher() throws Exception {
            return new CampaignWatcher(
                    deployment.kafka(),
                    id,
                    countReceipts ? config().topics.receipts : null,
                    config().topics.campaignStatus,
                    CampaignWatcher.From.since(System.currentTimeMillis() - since.toMillis()));
        }
    }

    /** {@code campaign status ID}. */
    @Command(
            name = "status",
            mixinStandardHelpOptions = true,
            description = "Print where a campaign stands now, with its outcomes and reasons, and exit: 0 done, "
                    + "1 rejected or cancelled, 3 not done yet (or not found).")
    static final class Status extends Follow {
        @Override
        public Integer call() throws Exception {
            try (CampaignWatcher w = watcher()) {
                w.readToEnd(timeout);
                return new WatchDisplay(w, id, out()).summary();
            }
        }
    }

    /** {@code campaign watch ID}. */
    @Command(
            name = "watch",
            mixinStandardHelpOptions = true,
            description = "Follow a campaign live (handed out of targeted, delivered, failed, rate, ETA) until it is "
                    + "done, then print its outcomes and reasons. Exit 0 when done, 1 if rejected or cancelled.")
    static final class Watch extends Follow {
        @Mixin
        WatchTimeout watchTimeout;

        @Override
        public Integer call() throws Exception {
            try (CampaignWatcher w = watcher()) {
                return new WatchDisplay(w, id, out()).follow(watchTimeout.duration);
            }
        }
    }
}
