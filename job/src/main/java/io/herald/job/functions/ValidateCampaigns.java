package io.herald.job.functions;

import io.herald.campaign.CampaignValidator;
import io.herald.model.CampaignEvent;
import io.herald.model.CampaignStatus;
import io.herald.model.StatusKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Checks every campaign as it is created: a bad one is refused here, with its errors on the
 * {@link Descriptors#STATUS} side output, and never reaches the fan-out. Fire, estimate and cancel pass through;
 * the fan-out, which knows the campaigns, answers for them. Transactional sends leave by {@link Descriptors#SENDS}.
 */
public final class ValidateCampaigns extends ProcessFunction<CampaignEvent, CampaignEvent> {
    private static final long serialVersionUID = 1L;

    /** Transactional sends: each goes to its one user's state, not to every instance. */
    private final Set<String> knownApps;

    private transient CampaignValidator validator;

    public ValidateCampaigns(Set<String> knownApps) {
        this.knownApps = knownApps;
    }

    @Override
    public void open(OpenContext openContext) {
        validator = new CampaignValidator(knownApps);
    }

    @Override
    public void processElement(CampaignEvent event, Context ctx, Collector<CampaignEvent> out) {
        if (event.type == CampaignEvent.Type.SEND) {
            ctx.output(Descriptors.SENDS, event);
            return;
        }
        if (event.campaignId == null && !knownApps.contains(event.appId)) {
            // A whole app's pause or resume, of an app this deployment does not have.
            ctx.output(
                    Descriptors.STATUS,
                    CampaignStatus.ofApp(
                            event.appId,
                            StatusKind.REJECTED,
                            event.type.name().toLowerCase(Locale.ROOT) + " of an unknown app",
                            now()));
            return;
        }
        if (event.type != CampaignEvent.Type.CREATE) {
            out.collect(event);
            return;
        }
        List<String> problems = problems(event, validator);
        if (problems.isEmpty()) {
            CampaignStatus accepted = CampaignStatus.of(event.campaignId, StatusKind.ACCEPTED, null, now());
            accepted.contentHash = event.contentHash;
            ctx.output(Descriptors.STATUS, accepted);
            out.collect(event);
        } else {
            ctx.output(
                    Descriptors.STATUS,
                    CampaignStatus.of(event.campaignId, StatusKind.REJECTED, String.join("; ", problems), now()));
        }
    }

    /**
     * What is wrong with a {@code create} event, empty if nothing: the one check, made by the job and
     * by {@code herald campaign create} before it writes anything.
     */
    public static List<String> problems(CampaignEvent create, CampaignValidator validator) {
        if (create.refusal != null) {
            return new ArrayList<>(List.of(create.refusal));
        }
        if (create.campaign.campaignId == null) {
            create.campaign.campaignId = create.campaignId;
        }
        List<String> problems;
        try {
            problems = validator.problems(create.campaign);
        } catch (RuntimeException e) {
            // A check that fails on a campaign no rule foresaw refuses that campaign, never the job (which
            // would read the same record again after its restart, and fail again).
            problems = new ArrayList<>(List.of("campaign could not be checked: " + e));
        }
        if (!create.campaignId.equals(create.campaign.campaignId)) {
            problems.add("campaignId differs from the campaign's own id");
        }
        return problems;
    }

    private static long now() {
        return System.currentTimeMillis();
    }
}
