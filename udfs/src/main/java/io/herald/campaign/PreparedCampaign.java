package io.herald.campaign;

import io.herald.audience.AudienceFilter;
import io.herald.model.AttributeValue;
import io.herald.model.Campaign;
import io.herald.model.DeviceRecord;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import io.herald.model.UserProfile;
import io.herald.payload.Payloads;
import io.herald.personalise.CompiledMessage;
import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A campaign ready to fan out: its audience filter and compiled message, built once per parallel
 * instance and applied to every user.
 */
public final class PreparedCampaign {
    /** APNs and FCM both refuse a payload over 4 KB. */
    public static final int MAX_PAYLOAD_BYTES = 4096;

    private final Campaign campaign;
    private final AudienceFilter filter;
    private final CompiledMessage message;
    private final long firedAt;

    private final String sendId;
    /**
     * Bodies by rendering, which {@link CompiledMessage} hands out as the same instance while it
     * remembers it (so identity is the key), bounded like it.
     */
    private final Map<CompiledMessage.Rendered, Bodies> bodies = new IdentityHashMap<>();

    public PreparedCampaign(Campaign campaign, long firedAt) {
        this(campaign, firedAt, null);
    }

    /** @param sendId the transactional send this is for, or null for a fire */
    public PreparedCampaign(Campaign campaign, long firedAt, String sendId) {
        this.sendId = sendId;
        this.campaign = campaign;
        this.filter = new AudienceFilter(campaign, firedAt);
        this.message = CompiledMessage.compile(campaign.message);
        this.firedAt = firedAt;
    }

    public Campaign campaign() {
        return campaign;
    }

    /**
     * The same campaign handed out at {@code time} (a fire, or a transactional send named
     * {@code sendId}): the parts compiled once, when the campaign was created, are shared.
     */
    public PreparedCampaign at(long time, String sendId) {
        return new PreparedCampaign(campaign, filter.at(time), message, time, sendId);
    }

    private PreparedCampaign(
            Campaign campaign, AudienceFilter filter, CompiledMessage message, long firedAt, String sendId) {
        this.campaign = campaign;
        this.filter = filter;
        this.message = message;
        this.firedAt = firedAt;
        this.sendId = sendId;
    }

    /**
     * Emits one send request per device of {@code user} that the campaign targets and can reach.
     *
     * @return what happened to this user's devices
     */
    public FanOutCount fanOut(
            String userId, UserProfile user, Iterable<DeviceRecord> devices, Consumer<SendRequest> out) {
        return select(user, devices, device -> out.accept(request(userId, user.attributes, device)));
    }

    /**
     * Hands every device of {@code user} that the campaign targets and can reach to {@code targeted},
     * rendering nothing: what a fire sends to, and what an estimate counts.
     */
    public FanOutCount select(UserProfile user, Iterable<DeviceRecord> devices, Consumer<DeviceRecord> targeted) {
        FanOutCount count = new FanOutCount();
        if (!filter.includesUser(user)) {
            return count;
        }
        for (DeviceRecord device : devices) {
            if (!filter.includesDevice(device, user)) {
                continue;
            }
            if (!device.reachable()) {
                count.suppressed++;
                continue;
            }
            count.targeted++;
            targeted.accept(device);
        }
        return count;
    }

    /**
     * Why the notification for {@code device} of {@code user} would be refused (a template its
     * attributes cannot fill, a payload over 4 KB), or null: what an estimate counts, without
     * building the request.
     */
    public String refusal(UserProfile user, DeviceRecord device) {
        return refusal(bodiesFor(user.attributes, device), device);
    }

    /** The one refusal check, for fires and estimates alike. */
    private static String refusal(Bodies built, DeviceRecord device) {
        if (built.renderFailure != null) {
            return built.renderFailure;
        }
        if (device.platform == Platform.IOS) {
            return built.apnsRefusal();
        }
        Payloads.FcmBody fcm = built.fcm();
        return fcm.maxUtf8Bytes(device.token) <= MAX_PAYLOAD_BYTES ? null : sizeRefusal(fcm.forToken(device.token));
    }

    private SendRequest request(String userId, Map<String, AttributeValue> attributes, DeviceRecord device) {
        Bodies built = bodiesFor(attributes, device);
        SendRequest r = new SendRequest();
        r.notificationId = SendRequest.notificationId(campaign.campaignId, sendId, device.deviceId);
        r.campaignId = campaign.campaignId;
        r.userId = userId;
        r.deviceId = device.deviceId;
        r.appId = device.appId;
        r.platform = device.platform;
        r.token = device.token;
        r.tokenVersion = device.tokenV;
        r.collapseId = campaign.collapseId;
        r.expiresAt = campaign.expiresAt;
        r.firedAt = firedAt;
        r.urgent = sendId != null || Boolean.TRUE.equals(campaign.urgent);
        if (device.platform == Platform.IOS) {
            r.payload = built.apns();
            r.background = campaign.message.apns != null && Boolean.TRUE.equals(campaign.message.apns.contentAvailable);
            Integer priority = campaign.message.apns == null ? null : campaign.message.apns.priority;
            r.priority = r.background ? 5 : priority == null ? 10 : priority;
        } else {
            r.payload = built.fcm().forToken(device.token);
        }
        r.refusal = refusal(built, device);
        return r;
    }

    /** The bodies for {@code device}'s rendering of {@code attributes}, built at most once per rendering. */
    private Bodies bodiesFor(Map<String, AttributeValue> attributes, DeviceRecord device) {
        try {
            return bodiesOf(message.render(device.locale, attributes), null);
        } catch (IllegalArgumentException e) {
            // A user's attribute of the wrong kind (text where a plural wants a number): refuse this one
            // notification with a receipt; the fan-out and the job go on.
            return bodiesOf(
                    message.render(device.locale, Map.of()),
                    "template could not be rendered for this user: " + e.getMessage());
        }
    }

    private Bodies bodiesOf(CompiledMessage.Rendered text, String renderFailure) {
        if (renderFailure != null) {
            return new Bodies(text, renderFailure);
        }
        Bodies built = bodies.get(text);
        if (built == null) {
            if (bodies.size() >= CompiledMessage.MAX_REMEMBERED) {
                bodies.clear();
            }
            built = new Bodies(text, null);
            bodies.put(text, built);
        }
        return built;
    }

    private static String sizeRefusal(String payload) {
        if (payload.length() * 3 <= MAX_PAYLOAD_BYTES) {
            return null; // UTF-8 takes at most 3 bytes per Java char: only a long payload needs measuring
        }
        int size = payload.getBytes(StandardCharsets.UTF_8).length;
        return size <= MAX_PAYLOAD_BYTES
                ? null
                : "payload is " + size + " bytes, over the providers' " + MAX_PAYLOAD_BYTES + "-byte limit";
    }

    /** The request bodies built from one rendering, each built when a device first needs it. */
    private final class Bodies {
        final CompiledMessage.Rendered text;
        final String renderFailure;
        private String apns;
        /** The APNs body's size refusal, measured once with the body (it has no token in it). */
        private String apnsRefusal;

        private Payloads.FcmBody fcm;

        Bodies(CompiledMessage.Rendered text, String renderFailure) {
            this.text = text;
            this.renderFailure = renderFailure;
        }

        String apns() {
            if (apns == null) {
                apns = Payloads.apns(text.title, text.body, campaign.message);
                apnsRefusal = sizeRefusal(apns);
            }
            return apns;
        }

        String apnsRefusal() {
            apns();
            return apnsRefusal;
        }

        Payloads.FcmBody fcm() {
            if (fcm == null) {
                Long ttl = campaign.expiresAt == null ? null : Math.max(0, (campaign.expiresAt - firedAt) / 1000);
                fcm = Payloads.fcmBody(text.title, text.body, campaign.message, campaign.collapseId, ttl);
            }
            return fcm;
        }
    }

    /** Devices a fan-out targeted (a send request each) and suppressed (in the audience, unreachable). */
    public static final class FanOutCount {
        public long targeted;
        public long suppressed;
    }
}
