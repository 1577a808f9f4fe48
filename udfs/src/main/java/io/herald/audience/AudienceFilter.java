package io.herald.audience;

import io.herald.model.Audience;
import io.herald.model.Campaign;
import io.herald.model.DeviceRecord;
import io.herald.model.UserProfile;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides whether a campaign is aimed at a device. Whether the device can be reached (token alive,
 * opted in, installed) is a separate question, answered by {@link DeviceRecord#reachable()}.
 */
public final class AudienceFilter {
    private final Campaign campaign;
    private final Audience audience;
    private final SegmentExpression expression;
    private final long now;
    /** The last user's attributes as CEL values: a user's devices are filtered one after another. */
    private UserProfile lastUser;

    private SegmentExpression.UserValues lastAttributes;
    /** Verdicts of the expression by what it read ({@link SegmentExpression#verdictKey}), for this {@code now}. */
    private final Map<List<Object>, Boolean> verdicts = new HashMap<>();
    /** Verdicts kept at most; all are dropped when full (they are made again on demand). */
    static final int MAX_VERDICTS = 65_536;

    /**
     * @param now the time the expression's {@code now} stands for: the campaign's fire time, so a
     *     replay decides as the first run did
     */
    public AudienceFilter(Campaign campaign, long now) {
        this(campaign, audienceExpression(campaign), now);
    }

    private AudienceFilter(Campaign campaign, SegmentExpression expression, long now) {
        this.campaign = campaign;
        this.audience = campaign.audience;
        this.expression = expression;
        this.now = now;
    }

    private static SegmentExpression audienceExpression(Campaign campaign) {
        return campaign.audience == null || campaign.audience.expression == null
                ? null
                : SegmentExpression.compile(campaign.audience.expression);
    }

    /** The same filter with {@code now} at another time, the expression not compiled again. */
    public AudienceFilter at(long now) {
        return new AudienceFilter(campaign, expression, now);
    }

    /** True when the user as a whole is in the audience (list membership for list campaigns). */
    public boolean includesUser(UserProfile user) {
        if (audience == null) {
            return false; // a broadcast's: it reaches a channel's devices, never users by a walk
        }
        return audience.kind != Audience.Kind.LIST
                || Collections.binarySearch(user.audienceCampaigns, campaign.campaignId) >= 0;
    }

    /** True when the device belongs to the campaign's app and matches the segment. */
    public boolean includesDevice(DeviceRecord device, UserProfile user) {
        if (audience == null || !campaign.appId.equals(device.appId)) {
            return false;
        }
        if (!audience.deviceIds.isEmpty() && !audience.deviceIds.contains(device.deviceId)) {
            return false;
        }
        if (!audience.platforms.isEmpty() && !audience.platforms.contains(device.platform)) {
            return false;
        }
        if (!audience.locales.isEmpty() && !matchesAnyLocale(device.locale)) {
            return false;
        }
        for (String tag : audience.tags) {
            if (!device.hasTag(tag)) {
                return false;
            }
        }
        if (expression == null) {
            return true;
        }
        if (user != lastUser) {
            lastUser = user;
            lastAttributes = SegmentExpression.values(user);
        }
        List<Object> key = expression.verdictKey(device, lastAttributes);
        if (key == null) {
            return expression.matches(device, lastAttributes, now);
        }
        Boolean verdict = verdicts.get(key);
        if (verdict == null) {
            if (verdicts.size() >= MAX_VERDICTS) {
                verdicts.clear();
            }
            verdict = expression.matches(device, lastAttributes, now);
            verdicts.put(key, verdict);
        }
        return verdict;
    }

    private boolean matchesAnyLocale(String deviceLocale) {
        if (deviceLocale == null) {
            return false;
        }
        String tag = deviceLocale.toLowerCase(Locale.ROOT);
        for (String wanted : audience.locales) {
            String w = wanted.toLowerCase(Locale.ROOT);
            if (tag.equals(w) || tag.startsWith(w + "-")) {
                return true;
            }
        }
        return false;
    }
}
