package io.herald.state;

import io.herald.model.DeviceEvent;
import io.herald.model.Platform;
import java.time.ZoneId;
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
        if (e.token != null && e.type != DeviceEvent.Type.TOKEN_REJECTED) {
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

    static boolean tokenFits(Platform platform, String token) {
        return (platform == Platform.IOS ? APNS_TOKEN : FCM_TOKEN)
                .matcher(token)
                .matches();
    }
}
