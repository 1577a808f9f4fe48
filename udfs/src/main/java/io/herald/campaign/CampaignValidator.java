package io.herald.campaign;

import io.herald.audience.SegmentExpression;
import io.herald.experiment.ArmAssignment;
import io.herald.model.Arm;
import io.herald.model.Audience;
import io.herald.model.Campaign;
import io.herald.model.Conversion;
import io.herald.model.LiveActivity;
import io.herald.model.Message;
import io.herald.model.WinnerTest;
import io.herald.payload.Payloads;
import io.herald.personalise.CompiledMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

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
        boolean toChannel = campaign.liveActivity != null && campaign.liveActivity.sentToChannel();
        if (toChannel) {
            if (campaign.audience != null) {
                problems.add(
                        "audience is given with a broadcast " + campaign.liveActivity.event.wire() + ": one request"
                                + " to the activity's channel reaches every device subscribed to it, and no audience can narrow"
                                + " it (leave broadcast out to send device by device)");
            }
        } else if (campaign.audience == null) {
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
        if (campaign.liveActivity != null) {
            LiveActivityRules.problems(campaign, problems);
        }
        if (campaign.arms == null) {
            if (campaign.message == null) {
                if (campaign.liveActivity == null || campaign.liveActivity.event == LiveActivity.Event.START) {
                    problems.add(
                            campaign.liveActivity == null
                                    ? "message is missing"
                                    : "message is missing: a Live Activity start shows an alert, which APNs requires");
                }
            } else if (LiveActivityRules.alerts(campaign)) {
                messageProblems(campaign, campaign.message, "message", problems);
            }
        } else {
            armProblems(campaign, problems);
        }
        if (campaign.conversion != null) {
            conversionProblems(campaign.conversion, problems);
        }
        if (campaign.test != null) {
            testProblems(campaign, problems);
        }
        if (campaign.holdout != null && !(campaign.holdout >= 0 && campaign.holdout <= ArmAssignment.MAX_HOLDOUT)) {
            problems.add("holdout must be a share from 0 to " + ArmAssignment.MAX_HOLDOUT
                    + " of the audience's users (0.1 holds out one in ten); it is " + campaign.holdout);
        }
        return problems;
    }

    /** What is wrong with one message of {@code campaign}, found at {@code path} in it. */
    private static void messageProblems(Campaign campaign, Message message, String path, List<String> problems) {
        String sound = message.sound;
        if (sound != null
                && (sound.isEmpty() || sound.length() > 256 || sound.chars().anyMatch(Character::isISOControl))) {
            problems.add(path + ".sound must be a file name of 1 to 256 characters without control characters");
        }
        try {
            CompiledMessage compiled = CompiledMessage.compile(message, path);
            problems.addAll(oversizePayloads(campaign, message, path, compiled));
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
    }

    /**
     * An experiment's arms: 2 to 10, named apart, weighed, each message valid and with the same locales,
     * default locale and defaults as the first arm's (so every user can be in any arm, and an arm's
     * figures differ by its texts alone), and no campaign message beside them.
     */
    private static void armProblems(Campaign campaign, List<String> problems) {
        List<Arm> arms = campaign.arms;
        if (campaign.message != null) {
            problems.add("message is given beside arms: with arms, each arm has its message, and the campaign none");
        }
        if (arms.size() < ArmAssignment.MIN_ARMS || arms.size() > ArmAssignment.MAX_ARMS) {
            problems.add("arms must be " + ArmAssignment.MIN_ARMS + " to " + ArmAssignment.MAX_ARMS
                    + " arms; there are " + arms.size() + " (leave arms out for one message)");
            if (arms.size() > ArmAssignment.MAX_ARMS) {
                return;
            }
        }
        Set<String> names = new HashSet<>();
        Message first = null;
        for (int i = 0; i < arms.size(); i++) {
            String path = "arms[" + i + "]";
            Arm arm = arms.get(i);
            if (arm == null) {
                problems.add(path + " is null");
                continue;
            }
            if (arm.name == null || !ARM_NAME.matcher(arm.name).matches()) {
                problems.add(path + ".name must be 1 to 64 letters, digits, '_', '.' or '-', starting with a letter"
                        + " or digit" + (arm.name == null ? "; it is missing" : ""));
            } else if (!names.add(arm.name)) {
                problems.add(path + ".name '" + arm.name + "' is the name of an earlier arm too");
            }
            if (arm.weight != null && (arm.weight < 1 || arm.weight > 1000)) {
                problems.add(path + ".weight must be between 1 and 1000 (leave it out for 1); it is " + arm.weight);
            }
            if (arm.message == null) {
                problems.add(path + ".message is missing");
                continue;
            }
            messageProblems(campaign, arm.message, path + ".message", problems);
            if (first == null) {
                first = arm.message;
            } else if (!Objects.equals(first.defaultLocale, arm.message.defaultLocale)
                    || !Objects.equals(keys(first.variants), keys(arm.message.variants))
                    || !Objects.equals(first.defaults, arm.message.defaults)) {
                problems.add(path + ".message has other locales, defaultLocale or defaults than the first arm's:"
                        + " every arm has the campaign's locales " + keys(first.variants) + ", default locale and"
                        + " defaults, and differs in its texts");
            }
        }
    }

    /** A conversion names an app event as apps report it, and a window from a minute to 30 days. */
    private static void conversionProblems(Conversion conversion, List<String> problems) {
        if (conversion.event == null || !EVENT_NAME.matcher(conversion.event).matches()) {
            problems.add("conversion.event must be an app event's name: 1 to 64 letters, digits, '_', '.', ':' or '-'"
                    + (conversion.event == null ? "; it is missing" : ""));
        }
        if (conversion.within == null) {
            problems.add("conversion.within is missing: how long after a user's exposure a conversion counts"
                    + " (an ISO-8601 duration such as \"PT24H\")");
            return;
        }
        try {
            Duration d = Duration.parse(conversion.within);
            if (d.compareTo(Duration.ofMinutes(1)) < 0 || d.compareTo(MAX_CONVERSION_WINDOW) > 0) {
                problems.add("conversion.within must be from 1 minute to " + MAX_CONVERSION_WINDOW.toDays()
                        + " days; it is " + conversion.within);
            }
        } catch (DateTimeParseException e) {
            problems.add("conversion.within is not an ISO-8601 duration (such as \"PT24H\" or \"P7D\")");
        }
    }

    /** A test needs arms, a share of the users, a time to decide at, and a fallback among the arms. */
    private static void testProblems(Campaign campaign, List<String> problems) {
        WinnerTest test = campaign.test;
        if (campaign.arms == null) {
            problems.add("test needs arms: it tests them on a share of the users and sends the winner to the rest");
        }
        if (campaign.schedule != null) {
            problems.add("test with a schedule: a test's clock starts at its fire record, so fire a tested campaign"
                    + " by hand (leave schedule out)");
        }
        if (test.share == null || !(test.share > 0 && test.share <= 0.9)) {
            problems.add("test.share must be above 0 and at most 0.9 (0.2 tests the arms on a fifth of the users)"
                    + (test.share == null ? "; it is missing" : "; it is " + test.share));
        }
        if (test.decideAfter == null) {
            problems.add("test.decideAfter is missing: how long after the fire the winner is decided (\"PT2H\")");
        } else {
            try {
                Duration d = Duration.parse(test.decideAfter);
                if (d.compareTo(Duration.ofSeconds(10)) < 0 || d.compareTo(Duration.ofDays(7)) > 0) {
                    problems.add("test.decideAfter must be from 10 seconds to 7 days; it is " + test.decideAfter);
                }
            } catch (DateTimeParseException e) {
                problems.add("test.decideAfter is not an ISO-8601 duration (such as \"PT2H\")");
            }
        }
        if (test.confidence != null && !(test.confidence >= 0.8 && test.confidence <= 0.999)) {
            problems.add("test.confidence must be from 0.8 to 0.999 (leave it out for 0.95); it is " + test.confidence);
        }
        if (test.minUsers != null && test.minUsers < 1) {
            problems.add("test.minUsers must be at least 1 (leave it out for 100); it is " + test.minUsers);
        }
        if (test.fallback != null
                && campaign.arms != null
                && campaign.arms.stream().noneMatch(a -> a != null && test.fallback.equals(a.name))) {
            problems.add("test.fallback must name one of the arms (leave it out to send the rest nothing)");
        }
    }

    /** The longest conversion window: a user's exposures are kept in state that long. */
    static final Duration MAX_CONVERSION_WINDOW = Duration.ofDays(30);

    /** An app event's name, as the interactions topic takes it. */
    private static final Pattern EVENT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

    private static Set<String> keys(Map<String, ?> map) {
        return map == null ? Set.of() : new TreeSet<>(map.keySet());
    }

    /** An arm's name: safe in receipts, tables, metric labels and file names. */
    private static final Pattern ARM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    /**
     * A payload over the providers' limit with the defaults alone can fit no user: refused here, whole,
     * rather than device by device during the fan-out (which still checks what users' own attributes add).
     */
    private static List<String> oversizePayloads(
            Campaign campaign, Message message, String path, CompiledMessage compiled) {
        List<String> problems = new ArrayList<>();
        Long ttl = campaign.expiresAt == null ? null : 0L;
        for (CompiledMessage.Rendered r : compiled.renderDefaults().values()) {
            int apns = utf8Length(Payloads.apns(r.title, r.body, message));
            int fcm = utf8Length(Payloads.fcm(LONGEST_FCM_TOKEN, r.title, r.body, message, campaign.collapseId, ttl));
            for (Object[] p : new Object[][] {{"APNs", apns}, {"FCM", fcm}}) {
                if ((int) p[1] > PreparedCampaign.MAX_PAYLOAD_BYTES) {
                    problems.add(path + ".variants." + r.locale + " makes a " + p[1] + "-byte " + p[0]
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
