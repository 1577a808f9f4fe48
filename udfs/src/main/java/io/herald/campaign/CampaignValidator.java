package io.herald.campaign;

import io.herald.audience.SegmentExpression;
import io.herald.model.Audience;
import io.herald.model.Campaign;
import io.herald.personalise.CompiledMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Checks a campaign before it is accepted, so that a bad one is refused whole and nothing is sent. */
public final class CampaignValidator {
    private final Set<String> knownApps;

    /** @param knownApps the app ids this deployment has credentials for */
    public CampaignValidator(Set<String> knownApps) {
        this.knownApps = knownApps;
    }

    /** Every problem with {@code campaign}; empty when it may be accepted. */
    public List<String> problems(Campaign campaign) {
        List<String> problems = new ArrayList<>();
        if (campaign.campaignId == null || campaign.campaignId.isBlank()) {
            problems.add("campaignId is missing");
        }
        if (campaign.appId == null) {
            problems.add("appId is missing");
        } else if (!knownApps.contains(campaign.appId)) {
            problems.add("appId '" + campaign.appId + "' is not configured in this deployment");
        }
        if (campaign.audience == null) {
            problems.add("audience is missing");
        } else {
            Audience a = campaign.audience;
            if (a.kind == Audience.Kind.SEGMENT && a.platforms.isEmpty() && a.locales.isEmpty() && a.tags.isEmpty()
                    && a.expression == null && a.deviceIds.isEmpty()) {
                problems.add("audience.kind is segment but no platforms, locales, tags, deviceIds or expression narrow it");
            }
            if (a.expression != null) {
                try {
                    SegmentExpression.compile(a.expression);
                } catch (IllegalArgumentException e) {
                    problems.add("audience.expression does not compile: " + e.getMessage());
                }
            }
        }
        if (campaign.message == null) {
            problems.add("message is missing");
        } else {
            try {
                CompiledMessage.compile(campaign.message);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }
}
