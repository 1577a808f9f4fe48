package io.herald.campaign;

import io.herald.model.Campaign;
import io.herald.model.LiveActivity;
import io.herald.personalise.CompiledJson;
import io.herald.personalise.CompiledMessage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** What makes a Live Activity campaign ({@link Campaign#liveActivity}) one Herald can send: checked before it is accepted. */
final class LiveActivityRules {
    /** An activity's id as device events and campaigns name it. */
    static final Pattern ACTIVITY_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    /** An {@code ActivityAttributes} type's name. */
    static final Pattern ACTIVITY_TYPE = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
    /** APNs's channel ids are base64. */
    static final Pattern CHANNEL_ID = Pattern.compile("[A-Za-z0-9+/=_-]{1,128}");
    /** Epoch seconds from 2001 to 5138: a time given in milliseconds falls outside. */
    private static final long MIN_SECONDS = 1_000_000_000L;

    private static final long MAX_SECONDS = 99_999_999_999L;

    private LiveActivityRules() {}

    /**
     * Whether the campaign's message is an alert: a Live Activity update or end may carry a message of
     * {@code defaults} alone (no variants), for its templates, and show no alert.
     */
    static boolean alerts(Campaign campaign) {
        return campaign.message != null
                && (campaign.liveActivity == null
                        || campaign.liveActivity.event == LiveActivity.Event.START
                        || (campaign.message.variants != null && !campaign.message.variants.isEmpty()));
    }

    static void problems(Campaign campaign, List<String> problems) {
        LiveActivity a = campaign.liveActivity;
        if (a.event == null) {
            problems.add("liveActivity.event is missing: one of start, update, end");
            return;
        }
        String event = a.event.wire();
        if (a.activityId == null || !ACTIVITY_ID.matcher(a.activityId).matches()) {
            problems.add("liveActivity.activityId must be 1 to 128 letters, digits, '_', '.', ':' or '-'"
                    + (a.activityId == null ? "; it is missing" : ""));
        }
        if (a.event == LiveActivity.Event.START) {
            if (a.activityType == null || !ACTIVITY_TYPE.matcher(a.activityType).matches()) {
                problems.add(
                        "liveActivity.activityType must be the app's ActivityAttributes type name (1 to 128 letters,"
                                + " digits, '_', '.' or '-'): a start goes to the devices' push-to-start tokens for it"
                                + (a.activityType == null ? "; it is missing" : ""));
            }
            if (a.isBroadcast() && a.channelId == null) {
                problems.add("liveActivity.channelId is missing: a broadcast start names the channel its devices"
                        + " subscribe to (herald campaign submit creates one)");
            }
        } else if (a.activityType != null) {
            problems.add("liveActivity.activityType is given with an " + event + ": an " + event
                    + " goes to the activity named by activityId");
        }
        if (a.channelId != null && !CHANNEL_ID.matcher(a.channelId).matches()) {
            problems.add("liveActivity.channelId must be an APNs channel id (base64, at most 128 characters)");
        }
        if (a.channelId != null && !a.isBroadcast()) {
            problems.add("liveActivity.channelId is given without broadcast: true");
        }
        if (a.contentState == null) {
            problems.add("liveActivity.contentState is missing: every " + event + " carries the content state");
        }
        if (a.attributes != null && a.event != LiveActivity.Event.START) {
            problems.add("liveActivity.attributes is given with an " + event + ": attributes are a start's");
        }
        if (a.priority != null && a.priority != 5 && a.priority != 10) {
            problems.add("liveActivity.priority must be 5 (when the device's budget allows) or 10 (at once, counted"
                    + " against the activity's budget); it is " + a.priority);
        }
        if (a.relevanceScore != null && !(a.relevanceScore >= 0 && a.relevanceScore <= 100)) {
            problems.add("liveActivity.relevanceScore must be from 0 to 100; it is " + a.relevanceScore);
        }
        seconds(a.staleDate, "staleDate", problems);
        seconds(a.dismissalDate, "dismissalDate", problems);
        if (a.dismissalDate != null && a.event != LiveActivity.Event.END) {
            problems.add("liveActivity.dismissalDate is given with a " + event + ": it is an end's");
        }
        if (campaign.arms != null || campaign.holdout != null || campaign.test != null) {
            problems.add("arms, holdout and test are for notifications: a Live Activity campaign has one content");
        }
        if (a.sentToChannel()
                && (campaign.schedule != null && campaign.schedule.localTime != null
                        || campaign.spreadOver != null
                        || campaign.maxPerSecond != null)) {
            problems.add("a broadcast " + event + " is one request: a local-time schedule, spreadOver or"
                    + " maxPerSecond cannot pace it");
        }
        if (problems.isEmpty()) {
            compiled(campaign, problems);
        }
    }

    private static void seconds(Long value, String field, List<String> problems) {
        if (value != null && (value < MIN_SECONDS || value > MAX_SECONDS)) {
            problems.add("liveActivity." + field + " must be a time in epoch seconds (APNs's unit); it is " + value);
        }
    }

    /** The JSON compiles, its templates name attributes with defaults, and the push fits APNs's 4 KB with them. */
    private static void compiled(Campaign campaign, List<String> problems) {
        LiveActivity a = campaign.liveActivity;
        Map<String, String> defaults =
                campaign.message == null || campaign.message.defaults == null ? Map.of() : campaign.message.defaults;
        try {
            for (String[] json : new String[][] {{a.attributes, "attributes"}, {a.contentState, "contentState"}}) {
                if (json[0] == null) {
                    continue;
                }
                Set<String> names =
                        CompiledJson.compile(json[0], "liveActivity." + json[1]).argumentNames();
                for (String name : names) {
                    if (!defaults.containsKey(name)) {
                        problems.add("liveActivity." + json[1] + " uses {" + name + "}, which has no default in"
                                + " message.defaults");
                    }
                }
            }
            if (!problems.isEmpty()) {
                return;
            }
            String locale = campaign.message == null ? null : campaign.message.defaultLocale;
            CompiledMessage.Rendered text = !alerts(campaign)
                    ? null
                    : CompiledMessage.compile(campaign.message).render(locale, Map.of());
            String body = LiveActivityPush.of(campaign).body(locale, Map.of(), text, System.currentTimeMillis());
            int size = body.getBytes(StandardCharsets.UTF_8).length;
            if (size > PreparedCampaign.MAX_PAYLOAD_BYTES) {
                problems.add("liveActivity makes a " + size + "-byte push with the defaults alone, over APNs's "
                        + PreparedCampaign.MAX_PAYLOAD_BYTES + "-byte limit");
            }
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
    }
}
