package io.herald.job.functions;

import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.SignedBy;
import io.herald.model.StatusKind;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The gate every control record passes, keyed by what it is about (its campaign, or a whole app).
 * A record whose signature is refused (unknown key, bad signature, out of time) is refused whatever
 * its app. An app with {@code requireSigned} takes records only when signed: for a campaign's
 * records that is the app its accepted {@code create} named, kept here; an unsigned record of a
 * campaign whose app is not known here is refused while any app requires signing. A signed record
 * is taken once: one that comes again (its nonce taken already, or signed a window or more before
 * the latest signed record of its campaign) is refused as replayed. A refusal goes to {@code
 * campaign-status} as {@code rejected}, saying why, and nothing of the record goes further.
 *
 * <p>An app with {@code requireApproval}: a campaign's signed {@code create} makes its signer the
 * creator and its record's hash the content; an {@code approve} of that content by another
 * principal is taken here ({@code approved} on campaign-status) and goes no further; a {@code fire}
 * goes only while the content approved is the content now (an edit needs a new approval). A
 * scheduled campaign of such an app is refused: the job would fire it by itself, past this gate.
 *
 * <p>A {@code test} (a send to the app's seed users) of an app without seeds is refused here. An app
 * with {@code requireTestSend} keeps each campaign's content (the hash of its accepted create), and
 * a {@code fire} or {@code send} goes only once a test has sent that content: an edit needs another
 * test. A scheduled campaign of such an app is refused, as for approval.
 *
 * <p>Every record leaves an {@code audit} record ({@link Descriptors#AUDIT}): its app, who signed it,
 * and whether it was taken or why not.
 *
 * <p>Bounded: a campaign's nonces are kept while within the window of its latest, at most {@link
 * #MAX_NONCES}; a signed record past that is refused. Herald's own replays (from a savepoint) read
 * records again with the state of the savepoint, so they decide as the first run did.
 */
public final class ControlGate extends KeyedProcessFunction<String, CampaignEvent, CampaignEvent> {
    private static final long serialVersionUID = 1L;

    /** Signed records of one campaign (or app) within one window, at most. */
    static final int MAX_NONCES = 10_000;
    /** How long what is known of a campaign is kept after its last record. */
    static final Duration KEPT = Duration.ofDays(365);

    private final Set<String> apps;
    private final Set<String> requireSigned;
    private final Set<String> requireApproval;
    private final String jobKeyId;
    private final long windowMs;

    private transient ValueState<String> app;
    private transient ValueState<Long> latestSignedAt;
    private transient MapState<String, Long> nonces;
    /** Of a campaign of an app with requireApproval: who signed its create, its content, the content approved. */
    private transient ValueState<String> creator;

    private transient ValueState<String> content;
    private transient ValueState<String> approved;
    /** Of a campaign of an app with requireTestSend: the content its last test send sent. */
    private transient ValueState<String> tested;

    private Set<String> seeded = new HashSet<>();
    private Set<String> requireTestSend = new HashSet<>();

    /**
     * @param apps the deployment's apps: a campaign's app is kept only if it is one of them
     * @param requireSigned the apps that take only signed records
     * @param requireApproval the apps whose campaigns fire only once approved (all of them require signed records)
     * @param jobKeyId the key the job signs its own winner records with, which signs nothing else; or null
     * @param windowMs how long a nonce is remembered after the latest signed record
     */
    public ControlGate(
            Set<String> apps, Set<String> requireSigned, Set<String> requireApproval, String jobKeyId, long windowMs) {
        this.apps = new HashSet<>(apps); // sets that take contains(null)
        this.requireSigned = new HashSet<>(requireSigned);
        this.requireApproval = new HashSet<>(requireApproval);
        this.jobKeyId = jobKeyId;
        this.windowMs = windowMs;
    }

    /**
     * Test sends: the apps with seed users (a test of any other is refused), and those whose
     * campaigns fire only after a test send of their content as it is now.
     *
     * @return this gate
     */
    public ControlGate testSends(Set<String> seeded, Set<String> requireTestSend) {
        this.seeded = new HashSet<>(seeded);
        this.requireTestSend = new HashSet<>(requireTestSend);
        return this;
    }

    /** What the gate keys a record by: its campaign, or for a whole app's pause or resume, the app. */
    public static KeySelector<CampaignEvent, String> key() {
        return e -> e.campaignId != null ? "campaign " + e.campaignId : "app " + e.appId;
    }

    @Override
    public void open(OpenContext context) {
        StateTtlConfig ttl = StateTtlConfig.newBuilder(KEPT)
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .build();
        ValueStateDescriptor<String> appDescriptor = new ValueStateDescriptor<>("app", Types.STRING);
        appDescriptor.enableTimeToLive(ttl);
        app = getRuntimeContext().getState(appDescriptor);
        ValueStateDescriptor<Long> latestDescriptor = new ValueStateDescriptor<>("latest-signed-at", Types.LONG);
        latestDescriptor.enableTimeToLive(ttl);
        latestSignedAt = getRuntimeContext().getState(latestDescriptor);
        MapStateDescriptor<String, Long> noncesDescriptor =
                new MapStateDescriptor<>("nonces", Types.STRING, Types.LONG);
        noncesDescriptor.enableTimeToLive(ttl);
        nonces = getRuntimeContext().getMapState(noncesDescriptor);
        creator = getRuntimeContext().getState(kept("creator", ttl));
        content = getRuntimeContext().getState(kept("content", ttl));
        approved = getRuntimeContext().getState(kept("approved", ttl));
        tested = getRuntimeContext().getState(kept("tested", ttl));
    }

    private static ValueStateDescriptor<String> kept(String name, StateTtlConfig ttl) {
        ValueStateDescriptor<String> d = new ValueStateDescriptor<>(name, Types.STRING);
        d.enableTimeToLive(ttl);
        return d;
    }

    @Override
    public void processElement(CampaignEvent event, Context ctx, Collector<CampaignEvent> out) throws Exception {
        String appId = event.campaignId == null
                ? event.appId
                : event.type == CampaignEvent.Type.CREATE && event.campaign != null && event.campaign.appId != null
                        ? event.campaign.appId
                        : app.value();
        String refused = take(event, ctx, out);
        CampaignStatus audit = CampaignStatus.of(event.campaignId, StatusKind.AUDIT, refused, event.timestamp);
        audit.appId = appId;
        audit.record = event.type.name().toLowerCase(Locale.ROOT);
        if (event.signedBy != null) {
            audit.principal = event.signedBy.principal;
            audit.keyId = event.signedBy.keyId;
        }
        ctx.output(Descriptors.AUDIT, audit);
    }

    /** Takes the record (hands it on, or keeps an approval), or refuses it: returns why, or null. */
    private String take(CampaignEvent event, Context ctx, Collector<CampaignEvent> out) throws Exception {
        if (event.signatureRefusal != null) {
            return refuse(event, ctx, event.signatureRefusal);
        }
        String known = event.campaignId == null ? event.appId : app.value();
        String named = event.type == CampaignEvent.Type.CREATE && event.campaign != null ? event.campaign.appId : null;
        if (event.signedBy == null) {
            if (requireSigned.contains(known) || requireSigned.contains(named)) {
                return refuse(
                        event,
                        ctx,
                        "unsigned record: apps." + (requireSigned.contains(known) ? known : named) + ".requireSigned");
            }
            if (known == null && named == null && event.campaignId != null && !requireSigned.isEmpty()) {
                return refuse(
                        event,
                        ctx,
                        "unsigned record of a campaign whose app is not known here (apps " + requireSigned
                                + " take signed records only)");
            }
        } else {
            if (event.signedBy.keyId.equals(jobKeyId) && event.type != CampaignEvent.Type.WINNER) {
                return refuse(event, ctx, "signed with the job's own key, which signs winner records only");
            }
            String replayed = replayed(event.signedBy);
            if (replayed != null) {
                return refuse(event, ctx, replayed);
            }
        }
        String approval = approvalRefused(event, named != null ? named : known, ctx);
        if (approval != null) {
            return refuse(event, ctx, approval);
        }
        if (event.type == CampaignEvent.Type.APPROVE) {
            return null; // taken here, said on campaign-status; nothing further needs it
        }
        if (apps.contains(named)) {
            // (An app the deployment does not have is refused by the validation: kept, it would let
            // the campaign's later records pass as that app's.)
            app.update(named);
        }
        out.collect(event);
        return null;
    }

    /**
     * What an app with requireApproval or requireTestSend asks of a record, here where its campaign's
     * creator, content, approval and last test are kept: why it is refused, or null (an approval taken
     * is said on campaign-status).
     */
    private String approvalRefused(CampaignEvent event, String appId, Context ctx) throws Exception {
        boolean required = requireApproval.contains(appId);
        boolean testRequired = requireTestSend.contains(appId);
        switch (event.type) {
            case CREATE -> {
                boolean approval = required && event.signedBy != null;
                if (!approval && !testRequired) {
                    return null;
                }
                if (event.campaign != null && event.campaign.schedule != null) {
                    return approval
                            ? "a campaign with a schedule on an app with requireApproval (apps." + appId
                                    + "): the job would fire it by itself, unapproved; create it without one, have"
                                    + " it approved, and fire it"
                            : "a campaign with a schedule on an app with requireTestSend (apps." + appId
                                    + "): the job would fire it by itself, untested; create it without one, test"
                                    + " it, and fire it";
                }
                if (approval) {
                    creator.update(event.signedBy.principal);
                }
                content.update(event.contentHash);
                return null;
            }
            case TEST -> {
                if (!seeded.contains(appId)) {
                    return appId == null
                            ? "the campaign's app is not known here, and a test goes to an app's seeds"
                            : "apps." + appId + " has no seeds to test on (apps." + appId + ".seeds)";
                }
                if (testRequired) {
                    if (content.value() == null) {
                        return "no content on record to test (a campaign created before apps." + appId
                                + ".requireTestSend was set, or never): create it again, then test it";
                    }
                    tested.update(content.value());
                }
                return null;
            }
            case APPROVE -> {
                if (!required) {
                    return "apps." + appId + " does not require approval";
                }
                if (content.value() == null) {
                    return "no created campaign to approve";
                }
                if (!content.value().equals(event.contentHash)) {
                    return "the content approved (" + event.contentHash + ") is not the campaign's now ("
                            + content.value() + "): it was changed; approve what was accepted last";
                }
                if (event.signedBy.principal.equals(creator.value())) {
                    return "by its creator " + creator.value() + ": another principal must approve";
                }
                approved.update(event.contentHash);
                CampaignStatus s =
                        CampaignStatus.of(event.campaignId, StatusKind.APPROVED, null, System.currentTimeMillis());
                s.contentHash = event.contentHash;
                s.principal = event.signedBy.principal;
                ctx.output(Descriptors.STATUS, s);
                return null;
            }
            case FIRE, SEND -> {
                if (required && (content.value() == null || !content.value().equals(approved.value()))) {
                    return "not approved (apps." + appId + ".requireApproval): its content must be approved, by"
                            + " `campaign approve " + event.campaignId + "`, by a principal other than "
                            + (creator.value() == null ? "its creator" : creator.value());
                }
                if (testRequired && (content.value() == null || !content.value().equals(tested.value()))) {
                    return "not tested (apps." + appId + ".requireTestSend): send its content as it is to the"
                            + " app's seeds first, by `campaign test " + event.campaignId + "`";
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    /** Why a signed record is refused as replayed, or null: it is taken, and remembered. */
    private String replayed(SignedBy s) throws Exception {
        Long latest = latestSignedAt.value();
        if (latest != null && s.signedAt <= latest - windowMs) {
            return "replayed record: signed at " + s.signedAt + ", " + windowMs
                    + " ms or more before the latest signed record of what it is about";
        }
        if (nonces.contains(s.nonce)) {
            return "replayed record: nonce " + s.nonce + " was taken already";
        }
        long newest = latest == null ? s.signedAt : Math.max(latest, s.signedAt);
        int kept = 0;
        for (Iterator<Map.Entry<String, Long>> it = nonces.iterator(); it.hasNext(); ) {
            if (it.next().getValue() <= newest - windowMs) {
                it.remove(); // older than the window: a record that comes again is refused by its time
            } else {
                kept++;
            }
        }
        if (kept >= MAX_NONCES) {
            return "more than " + MAX_NONCES + " signed records of what it is about within " + windowMs + " ms";
        }
        nonces.put(s.nonce, s.signedAt);
        latestSignedAt.update(newest);
        return null;
    }

    private static String refuse(CampaignEvent event, Context ctx, String why) {
        String error = event.type.name().toLowerCase(Locale.ROOT) + " refused: " + why;
        long now = System.currentTimeMillis();
        ctx.output(
                Descriptors.STATUS,
                event.campaignId != null
                        ? CampaignStatus.of(event.campaignId, StatusKind.REJECTED, error, now)
                        : CampaignStatus.ofApp(event.appId, StatusKind.REJECTED, error, now));
        return why;
    }
}
