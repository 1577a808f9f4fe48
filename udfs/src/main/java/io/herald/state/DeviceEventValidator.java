package io.herald.state;

import io.herald.model.DeviceEvent;
import io.herald.model.Platform;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.ZoneId;
import java.util.Base64;
import java.util.IllformedLocaleException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides whether a device event may touch state. A refused event goes to the dead-letter topic
 * with the reason this returns, and state is untouched.
 */
public final class DeviceEventValidator {
    /** APNs device tokens: 32 bytes as hex today; Apple reserves the right to lengthen them. */
    private static final Pattern APNS_TOKEN = Pattern.compile("(?:[0-9a-fA-F]{2}){32,100}");
    /** FCM registration tokens: URL-safe characters and colons, some tens to hundreds of them. */
    private static final Pattern FCM_TOKEN = Pattern.compile("[A-Za-z0-9_:.\\-]{20,4096}");

    /** The longest subscription endpoint kept. */
    public static final int MAX_ENDPOINT_LENGTH = 2048;

    private static final int P256DH_LENGTH = 65;
    private static final int AUTH_LENGTH = 16;
    private static final Pattern BROWSER = Pattern.compile("[A-Za-z0-9 ._\\-]{1,64}");
    /** A Live Activity's type: a Swift type name ({@code ActivityAttributes}), possibly module-qualified. */
    private static final Pattern ACTIVITY_TYPE = Pattern.compile("[A-Za-z0-9_.\\-]{1,128}");
    /** A running Live Activity's id: the app's own, or ActivityKit's UUID. */
    private static final Pattern ACTIVITY_ID = Pattern.compile("[A-Za-z0-9_.:\\-]{1,128}");

    private static final Set<String> ZONES = ZoneId.getAvailableZoneIds();

    private DeviceEventValidator() {}

    /** Why {@code e} must be refused, or null if it may be applied. */
    public static String problem(DeviceEvent e) {
        if (e.userId == null || e.userId.isEmpty()) {
            return "userId is missing";
        }
        if (e.version < 0) {
            return "version is negative";
        }
        if (e.type == DeviceEvent.Type.ERASE_USER) {
            return null;
        }
        if (e.isDeviceEvent() && (e.deviceId == null || e.deviceId.isEmpty())) {
            return "deviceId is missing";
        }
        switch (e.type) {
            case REGISTER:
                if (e.appId == null) {
                    return "register without appId";
                }
                if (e.platform == null) {
                    return "register without platform";
                }
                break;
            case TAGS_ADD:
            case TAGS_REMOVE:
                if (e.tags == null || e.tags.isEmpty()) {
                    return e.type.name().toLowerCase(Locale.ROOT) + " without tags";
                }
                break;
            case ATTRIBUTES_SET:
                if (e.attributes == null || e.attributes.isEmpty()) {
                    return "attributes_set without attributes";
                }
                break;
            case ATTRIBUTES_UNSET:
                if (e.unset == null || e.unset.isEmpty()) {
                    return "attributes_unset without unset";
                }
                break;
            case TOKEN_REJECTED:
                if (e.token == null) {
                    return "token_rejected without token";
                }
                break;
            default:
                break;
        }
        String liveActivity = liveActivityProblem(e);
        if (liveActivity != null) {
            return liveActivity;
        }
        String web = webProblem(e);
        if (web != null) {
            return web;
        }
        // Herald's own feedback names tokens as they were stored: a web device's endpoint, with no platform.
        boolean feedback = e.type == DeviceEvent.Type.TOKEN_REJECTED || e.type == DeviceEvent.Type.CLAIMS_RELEASED;
        if (e.token != null && !feedback && !isWeb(e)) {
            if (e.platform != null && !tokenFits(e.platform, e.token)) {
                return "token does not look like " + (e.platform == Platform.IOS ? "an APNs" : "an FCM") + " token";
            }
            if (e.platform == null && !tokenFits(Platform.IOS, e.token) && !tokenFits(Platform.ANDROID, e.token)) {
                return "token does not look like an APNs or FCM token";
            }
        }
        if (e.timezone != null && !ZONES.contains(e.timezone)) {
            return "timezone '" + e.timezone + "' is not an IANA time zone";
        }
        if (e.locale != null) {
            try {
                new Locale.Builder().setLanguageTag(e.locale);
            } catch (IllformedLocaleException ex) {
                return "locale '" + e.locale + "' is not a BCP 47 language tag";
            }
        }
        return null;
    }

    /**
     * Why a Live Activity event may not be kept: a token needs its app, its activity type (also for an
     * update token: the fan-out names it to APNs) and an APNs token, on an iOS device if a platform is
     * said; an end needs its activity id. The activity fields belong to these two events only.
     */
    private static String liveActivityProblem(DeviceEvent e) {
        boolean token = e.type == DeviceEvent.Type.LIVE_ACTIVITY_TOKEN;
        boolean ended = e.type == DeviceEvent.Type.LIVE_ACTIVITY_ENDED;
        if (!token && !ended) {
            if (e.activityType != null || e.activityId != null) {
                return (e.activityType != null ? "activityType" : "activityId")
                        + " is for live_activity_token and live_activity_ended only";
            }
            return null;
        }
        if (e.activityType != null && !ACTIVITY_TYPE.matcher(e.activityType).matches()) {
            return "activityType must be 1 to 128 letters, digits, dots, dashes or underscores";
        }
        if (e.activityId != null && !ACTIVITY_ID.matcher(e.activityId).matches()) {
            return "activityId must be 1 to 128 letters, digits, dots, colons, dashes or underscores";
        }
        if (ended) {
            return e.activityId == null ? "live_activity_ended without activityId" : null;
        }
        if (e.appId == null) {
            return "live_activity_token without appId";
        }
        if (e.activityType == null) {
            return "live_activity_token without activityType";
        }
        if (e.platform != null && e.platform != Platform.IOS) {
            return "live_activity_token is for platform ios only; platform is " + e.platform.wire();
        }
        if (e.token == null) {
            return "live_activity_token without token";
        }
        if (!tokenFits(Platform.IOS, e.token)) {
            return "token does not look like an APNs token";
        }
        return null;
    }

    /**
     * A web push subscription's event: platform web, or keys given (refused below without platform
     * web: a subscription given to a phone would send to a URL as if it were a token).
     */
    private static boolean isWeb(DeviceEvent e) {
        return e.platform == Platform.WEB || e.pushKeys != null;
    }

    /**
     * Why a web device's subscription may not be kept: the endpoint must be an https URL of at most
     * {@link #MAX_ENDPOINT_LENGTH} characters (push services' are some hundreds), with no user
     * information or fragment; {@code p256dh} a P-256 public key, uncompressed (65 bytes, base64url);
     * {@code auth} 16 bytes; the browser a short name. Keys and endpoint come together.
     */
    private static String webProblem(DeviceEvent e) {
        if (e.browser != null
                && (e.platform != null && e.platform != Platform.WEB
                        || !BROWSER.matcher(e.browser).matches())) {
            return e.platform != null && e.platform != Platform.WEB
                    ? "browser is for platform web only"
                    : "browser must be 1 to 64 letters, digits, spaces, dots, dashes or underscores";
        }
        if (e.type == DeviceEvent.Type.TOKEN_REJECTED || e.type == DeviceEvent.Type.CLAIMS_RELEASED || !isWeb(e)) {
            return null;
        }
        if (e.platform == null) {
            return "subscription needs platform web with it";
        }
        if (e.platform != Platform.WEB) {
            return "subscription is for platform web only; platform is " + e.platform.wire();
        }
        if (e.token == null) {
            return e.pushKeys == null ? null : "subscription.endpoint is missing";
        }
        if (e.token.length() > MAX_ENDPOINT_LENGTH) {
            return "subscription.endpoint is " + e.token.length() + " characters long, over the limit of "
                    + MAX_ENDPOINT_LENGTH;
        }
        try {
            URI endpoint = new URI(e.token);
            if (!"https".equals(endpoint.getScheme())) {
                return "subscription.endpoint must be an https URL";
            }
            if (endpoint.getHost() == null || endpoint.getRawUserInfo() != null || endpoint.getRawFragment() != null) {
                return "subscription.endpoint must be https://host[:port]/path, with no user or fragment";
            }
        } catch (URISyntaxException ex) {
            return "subscription.endpoint is not a URL";
        }
        if (e.pushKeys == null) {
            return "subscription.keys is missing";
        }
        byte[] p256dh = base64Url(e.pushKeys.p256dh);
        if (p256dh == null || p256dh.length != P256DH_LENGTH || p256dh[0] != 4) {
            return "subscription.keys.p256dh must be a P-256 public key, uncompressed: 65 bytes, base64url";
        }
        byte[] auth = base64Url(e.pushKeys.auth);
        if (auth == null || auth.length != AUTH_LENGTH) {
            return "subscription.keys.auth must be 16 bytes, base64url";
        }
        return null;
    }

    private static byte[] base64Url(String text) {
        if (text == null || text.length() > 200) {
            return null;
        }
        try {
            return Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException ex) {
            return null;
        }
    }

    static boolean tokenFits(Platform platform, String token) {
        return platform != Platform.WEB
                && (platform == Platform.IOS ? APNS_TOKEN : FCM_TOKEN)
                        .matcher(token)
                        .matches();
    }
}
