package io.herald.campaign;

import io.herald.audience.SegmentExpression;
import io.herald.model.Audience;
import io.herald.model.Campaign;
import io.herald.payload.Payloads;
import io.herald.personalise.CompiledMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
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
            problems.add(
                    campaign.appId.length() > 256 || campaign.appId.chars().anyMatch(Character::isISOControl)
                            ? "appId is not configured in this deployment (and is no id: over 256 characters or with control characters)"
                            : "appId '" + campaign.appId + "' is not configured in this deployment");
        }
        if (campaign.collapseId != null) {
            // Sent as the apns-collapse-id header (64 bytes at most) and FCM's collapse key.
            int bytes = campaign.collapseId.getBytes(StandardCharsets.UTF_8).length;
            if (bytes == 0 || bytes > 64 || campaign.collapseId.chars().anyMatch(Character::isISOControl)) {
                problems.add("collapseId must be 1 to 64 bytes without control characters (APNs's limit); it is "
                        + bytes + " bytes");
            }
        }
        if (campaign.weight != null && (campaign.weight < 1 || campaign.weight > 1000)) {
            problems.add("weight must be between 1 and 1000 (leave it out for 1)");
        }
        if (campaign.maxPerSecond != null && campaign.maxPerSecond < 1) {
            problems.add("maxPerSecond must be at least 1 (leave it out for no limit)");
        }
        if (campaign.spreadOver != null) {
            try {
                Duration d = Duration.parse(campaign.spreadOver);
                if (d.isNegative() || d.isZero() || d.compareTo(MAX_SPREAD) > 0) {
                    problems.add("spreadOver must be longer than zero and at most " + MAX_SPREAD.toDays()
                            + " days; it is " + campaign.spreadOver);
                }
            } catch (DateTimeParseException e) {
                problems.add("spreadOver is not an ISO-8601 duration (such as \"PT2H\" or \"PT30M\")");
            }
        }
        if (campaign.quietHours != null) {
            String problem = QuietHours.problem(campaign.quietHours, "quietHours");
            if (problem != null) {
                problems.add(problem);
            }
        }
        if (campaign.schedule != null && campaign.schedule.localTime != null) {
            String problem = LocalTimeSchedule.problem(campaign.schedule);
            if (problem != null) {
                problems.add(problem);
            }
        } else if (campaign.schedule != null) {
            if (campaign.schedule.at == null) {
                problems.add("schedule.at is missing: the time to fire at, in epoch milliseconds (or localTime)");
            } else if (campaign.expiresAt != null && campaign.expiresAt <= campaign.schedule.at) {
                problems.add("schedule.at is not before expiresAt: the campaign would expire before it starts");
            }
        }
        if (campaign.audience == null) {
            problems.add("audience is missing: a campaign says who it is for (\"audience\": {\"kind\": \"all\"} "
                    + "for every device of the app)");
        } else if (campaign.audience.kind == null) {
            problems.add(
                    "audience.kind is missing (one of all, segment, list); an audience is never taken for everyone");
        } else {
            Audience a = campaign.audience;
            if (a.kind == Audience.Kind.SEGMENT
                    && a.platforms.isEmpty()
                    && a.locales.isEmpty()
                    && a.tags.isEmpty()
                    && a.expression == null
                    && a.deviceIds.isEmpty()) {
                problems.add(
                        "audience.kind is segment but no platforms, locales, tags, deviceIds or expression narrow it");
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
            String sound = campaign.message.sound;
            if (sound != null
                    && (sound.isEmpty() || sound.length() > 256 || sound.chars().anyMatch(Character::isISOControl))) {
                problems.add("message.sound must be a file name of 1 to 256 characters without control characters");
            }
            try {
                CompiledMessage compiled = CompiledMessage.compile(campaign.message);
                problems.addAll(oversizePayloads(campaign, compiled));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    /**
     * A payload over the providers' limit with the defaults alone can fit no user: refused here, whole,
     * rather than device by device during the fan-out (which still checks what users' own attributes add).
     */
    private static List<String> oversizePayloads(Campaign campaign, CompiledMessage compiled) {
        List<String> problems = new ArrayList<>();
        Long ttl = campaign.expiresAt == null ? null : 0L;
        for (CompiledMessage.Rendered r : compiled.renderDefaults().values()) {
            int apns = utf8Length(Payloads.apns(r.title, r.body, campaign.message));
            int fcm = utf8Length(
                    Payloads.fcm(LONGEST_FCM_TOKEN, r.title, r.body, campaign.message, campaign.collapseId, ttl));
            for (Object[] p : new Object[][] {{"APNs", apns}, {"FCM", fcm}}) {
                if ((int) p[1] > PreparedCampaign.MAX_PAYLOAD_BYTES) {
                    problems.add("message.variants." + r.locale + " makes a " + p[1] + "-byte " + p[0]
                            + " payload with the defaults alone, over the " + PreparedCampaign.MAX_PAYLOAD_BYTES
                            + "-byte limit");
                }
            }
        }
        return problems;
    }

    /** A rollout is spread over a week at most: longer is a schedule, not a rollout. */
    static final Duration MAX_SPREAD = Duration.ofDays(7);

    /** FCM counts the token inside the message; tokens seen in the wild run to about 200 characters. */
    private static final String LONGEST_FCM_TOKEN = "x".repeat(200);

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
