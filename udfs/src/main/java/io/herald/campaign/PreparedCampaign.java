package io.herald.campaign;

import io.herald.audience.AudienceFilter;
import io.herald.experiment.ArmAssignment;
import io.herald.experiment.Attribution;
import io.herald.model.Arm;
import io.herald.model.AttributeValue;
import io.herald.model.Campaign;
import io.herald.model.DeviceRecord;
import io.herald.model.Message;
import io.herald.model.Platform;
import io.herald.model.SendRequest;
import io.herald.model.UserProfile;
import io.herald.payload.Payloads;
import io.herald.personalise.CompiledMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A campaign ready to fan out: its audience filter and compiled messages (one, or one per arm), built
 * once per parallel instance and applied to every user. With arms or a holdout, each user's arm is
 * worked out once per user ({@link ArmAssignment}), so all of a user's devices get the same message,
 * or, held out, none.
 */
public final class PreparedCampaign {
    /** APNs and FCM both refuse a payload over 4 KB. */
    public static final int MAX_PAYLOAD_BYTES = 4096;

    private final Campaign campaign;
    private final AudienceFilter filter;
    /** The campaign's compiled messages: its one message, or one per arm in the arms' order. */
    private final List<CompiledMessage> compiled;
    /** Who is in which arm, or held out; null for a campaign with one message and no holdout. */
    private final ArmAssignment assignment;

    private final long firedAt;
    /** Which of a tested campaign's users this preparation sends to (a campaign without a test: all). */
    private final Phase phase;
    /** The winning arm's index, or -1 before (or without) one. */
    private final int winner;

    /** Which of a tested campaign's users a preparation sends to, and what. */
    private enum Phase {
        /** The fire: the test's users their arms; the others wait for the winner. */
        TEST,
        /** The winner's walk: the users the test left out get the winner; the tested nothing more. */
        REST,
        /** A retry: each user what was sent (the tested their arm, the others the winner, if any). */
        SENT
    }

    private final String sendId;
    /** A Live Activity campaign's pushes; null for a notification. */
    private final LiveActivityPush live;
    /** Each compiled message with the bodies built from it here, in the arms' order. */
    private final List<ArmMessage> messages = new ArrayList<>();

    public PreparedCampaign(Campaign campaign, long firedAt) {
        this(campaign, firedAt, null);
    }

    /** @param sendId the transactional send this is for, or null for a fire */
    public PreparedCampaign(Campaign campaign, long firedAt, String sendId) {
        this(
                campaign,
                new AudienceFilter(campaign, firedAt),
                compile(campaign),
                assignment(campaign),
                firedAt,
                sendId,
                Phase.TEST,
                -1,
                LiveActivityPush.of(campaign));
    }

    private static List<CompiledMessage> compile(Campaign campaign) {
        if (campaign.arms == null && !LiveActivityRules.alerts(campaign)) {
            return Collections.singletonList(null); // a Live Activity update or end without an alert
        }
        if (campaign.arms == null) {
            return List.of(CompiledMessage.compile(campaign.message));
        }
        List<CompiledMessage> compiled = new ArrayList<>();
        for (int i = 0; i < campaign.arms.size(); i++) {
            compiled.add(CompiledMessage.compile(campaign.arms.get(i).message, "arms[" + i + "].message"));
        }
        return compiled;
    }

    private static ArmAssignment assignment(Campaign campaign) {
        double holdout = campaign.holdout == null ? 0 : campaign.holdout;
        if (campaign.arms != null) {
            return ArmAssignment.of(
                    campaign.campaignId,
                    campaign.arms.stream().map(Arm::weightOrOne).toList(),
                    holdout);
        }
        return holdout > 0 ? ArmAssignment.holdoutOnly(campaign.campaignId, holdout) : null;
    }

    public Campaign campaign() {
        return campaign;
    }

    /**
     * The same campaign handed out at {@code time} (a fire, or a transactional send named
     * {@code sendId}): the parts compiled once, when the campaign was created, are shared.
     */
    public PreparedCampaign at(long time, String sendId) {
        return new PreparedCampaign(campaign, filter.at(time), compiled, assignment, time, sendId, phase, winner, live);
    }

    /**
     * The same tested campaign as its winner walk sends it: arm {@code arm} to the users its test
     * left out, nothing to those tested or held out (counted at the test).
     *
     * @throws IllegalArgumentException if the campaign has no test or no such arm
     */
    public PreparedCampaign winner(String arm) {
        return new PreparedCampaign(
                campaign, filter, compiled, assignment, firedAt, sendId, Phase.REST, armIndex(arm), live);
    }

    /**
     * The same tested campaign as a retry sends it: each user what was sent, the tested their arm and
     * the others {@code winner}'s (nothing while it is null: none was sent).
     */
    public PreparedCampaign asSent(String winner) {
        return new PreparedCampaign(
                campaign,
                filter,
                compiled,
                assignment,
                firedAt,
                sendId,
                Phase.SENT,
                winner == null ? -1 : armIndex(winner),
                live);
    }

    private int armIndex(String arm) {
        if (campaign.test == null || campaign.arms == null) {
            throw new IllegalArgumentException("campaign " + campaign.campaignId + " has no test");
        }
        for (int i = 0; i < campaign.arms.size(); i++) {
            if (campaign.arms.get(i).name.equals(arm)) {
                return i;
            }
        }
        throw new IllegalArgumentException("campaign " + campaign.campaignId + " has no arm " + arm);
    }

    private PreparedCampaign(
            Campaign campaign,
            AudienceFilter filter,
            List<CompiledMessage> compiled,
            ArmAssignment assignment,
            long firedAt,
            String sendId,
            Phase phase,
            int winner,
            LiveActivityPush live) {
        this.live = live;
        this.phase = phase;
        this.winner = winner;
        this.campaign = campaign;
        this.filter = filter;
        this.compiled = compiled;
        this.assignment = assignment;
        this.firedAt = firedAt;
        this.sendId = sendId;
        for (int i = 0; i < compiled.size(); i++) {
            Message message = campaign.arms == null ? campaign.message : campaign.arms.get(i).message;
            String name = campaign.arms == null ? null : campaign.arms.get(i).name;
            messages.add(new ArmMessage(name, message, compiled.get(i)));
        }
    }

    /**
     * Emits one send request per device of {@code user} that the campaign targets and can reach.
     *
     * @return what happened to this user's devices
     */
    public FanOutCount fanOut(
            String userId, UserProfile user, Iterable<DeviceRecord> devices, Consumer<SendRequest> out) {
        return select(userId, user, devices, (device, arm) -> out.accept(arm.request(userId, user.attributes, device)));
    }

    /**
     * Hands every device of {@code user} that the campaign targets and can reach to {@code targeted},
     * with the message of the user's arm, rendering nothing: what a fire sends to, and what an estimate
     * counts. A user held out has the devices that would be targeted counted as held out, and none
     * handed on.
     */
    public FanOutCount select(
            String userId,
            UserProfile user,
            Iterable<DeviceRecord> devices,
            BiConsumer<DeviceRecord, ArmMessage> targeted) {
        FanOutCount count = new FanOutCount();
        if (!filter.includesUser(user)) {
            return count;
        }
        int arm = assignment == null ? 0 : assignment.armOf(userId);
        boolean deferred = false;
        if (campaign.test != null && sendId == null) {
            boolean tested = ArmAssignment.inTest(campaign.campaignId, userId, campaign.test.share);
            switch (phase) {
                case TEST -> deferred = !tested && arm != ArmAssignment.HOLDOUT;
                case REST -> {
                    if (tested || arm == ArmAssignment.HOLDOUT) {
                        return count; // sent (or held out) at the test
                    }
                    arm = winner;
                }
                case SENT -> {
                    if (arm == ArmAssignment.HOLDOUT || (!tested && winner < 0)) {
                        return count; // nothing was sent to the user
                    }
                    arm = tested ? arm : winner;
                }
            }
        }
        ArmMessage message = arm == ArmAssignment.HOLDOUT || deferred ? null : messages.get(arm);
        count.arm = message == null ? null : message.name;
        for (DeviceRecord device : devices) {
            if (!filter.includesDevice(device, user)) {
                continue;
            }
            if (live == null ? !device.reachable() : live.tokenOf(device) == null) {
                count.suppressed++;
            } else if (deferred) {
                count.deferred++;
            } else if (message == null) {
                count.heldOut++;
            } else {
                count.targeted++;
                targeted.accept(device, message);
            }
        }
        return count;
    }

    /**
     * Hands a seed user's devices of the campaign's app a copy of the campaign, whatever its audience,
     * test or holdout: with {@code everyVariant}, every arm in every locale of its message (a test
     * send, so the team sees each rendering on a real phone), else the first arm in the device's own
     * locale (the copy a seed gets at a fire). Each copy is named by {@code sendId}, the arm and the
     * locale, so it collides with no other notification, and is not measured.
     *
     * @return the notifications handed on
     */
    public long toSeed(
            String userId,
            UserProfile user,
            Iterable<DeviceRecord> devices,
            String sendId,
            boolean everyVariant,
            Consumer<SendRequest> out) {
        long handed = 0;
        if (live != null) {
            return 0; // a seed phone's copy is an alert: a Live Activity has no copy to show apart
        }
        for (DeviceRecord device : devices) {
            if (!campaign.appId.equals(device.appId) || !device.reachable()) {
                continue;
            }
            for (ArmMessage arm : everyVariant ? messages : messages.subList(0, 1)) {
                for (String locale : everyVariant ? new TreeSet<>(arm.message.variants.keySet()) : localeOf(device)) {
                    SendRequest r = arm.request(userId, user.attributes, device, locale);
                    r.notificationId = campaign.campaignId + "/" + sendId + "/" + (arm.name == null ? "-" : arm.name)
                            + "/" + (locale == null ? "-" : locale) + "/" + device.deviceId;
                    r.measured = false;
                    r.urgent = true;
                    if (everyVariant) {
                        r.collapseId = null; // each variant shows on the phone, none replacing another
                    }
                    out.accept(r);
                    handed++;
                }
            }
        }
        return handed;
    }

    /** The devices of {@link #toSeed} of these: the campaign's app's that can receive. */
    public long seedDevices(Iterable<DeviceRecord> devices) {
        long n = 0;
        if (live != null) {
            return 0;
        }
        for (DeviceRecord device : devices) {
            if (campaign.appId.equals(device.appId) && device.reachable()) {
                n++;
            }
        }
        return n;
    }

    /** What a test send renders per device: every arm in every locale of its message. */
    public long variants() {
        return messages.stream()
                .mapToLong(m -> m.message == null ? 0 : m.message.variants.size())
                .sum();
    }

    private static Set<String> localeOf(DeviceRecord device) {
        return Collections.singleton(device.locale);
    }

    /**
     * A broadcast Live Activity update or end as the one request to its channel: rendered with the
     * message's defaults in its default locale (one request serves every subscribed device), named
     * by the campaign and the channel so a replay names it the same.
     */
    public SendRequest toChannel(String channelId) {
        if (live == null || !live.activity().sentToChannel()) {
            throw new IllegalStateException("campaign " + campaign.campaignId + " is no broadcast update or end");
        }
        SendRequest r = live.request(campaign, sendId, firedAt, CHANNEL_PREFIX + channelId);
        // Receipts and the record of answers name a user and a device: a broadcast's are its channel.
        r.userId = CHANNEL_PREFIX + channelId;
        r.deviceId = r.userId;
        r.channelId = channelId;
        String locale = campaign.message == null ? null : campaign.message.defaultLocale;
        CompiledMessage first = compiled.get(0);
        r.payload = live.body(locale, Map.of(), first == null ? null : first.render(locale, Map.of()), firedAt);
        r.refusal = sizeRefusal(r.payload);
        return r;
    }

    /** What names a broadcast where a device id names a notification to a device. */
    public static final String CHANNEL_PREFIX = "channel:";

    /** The same Live Activity campaign sent at APNs priority {@code priority} (a budget's decision), not the one it asks. */
    public PreparedCampaign withLivePriority(int priority) {
        return new PreparedCampaign(
                campaign, filter, compiled, assignment, firedAt, sendId, phase, winner, live.withPriority(priority));
    }

    /** The APNs priority its Live Activity pushes go at; 0 for a campaign that is no Live Activity. */
    public int livePriority() {
        return live == null ? 0 : live.priority();
    }

    /** The APNs priority its Live Activity pushes ask for (or their default); 0 for no Live Activity. */
    public int askedLivePriority() {
        return live == null ? 0 : live.activity().priorityOrDefault();
    }

    /** Whether the campaign is a broadcast Live Activity update or end: one request to a channel, no walk. */
    public boolean sentToChannel() {
        return live != null && live.activity().sentToChannel();
    }

    /**
     * Keeps {@code user}'s exposure to the campaign, if it is measured, after a fan-out to the user
     * counted {@code c}: sent it (in the user's arm) or held out. A user is counted in the arm
     * assigned, whatever a cap or a refusal then did to the notifications (intention to treat).
     *
     * @return what to count; empty when not measured, not in the audience, or exposed already
     */
    public List<Attribution.Counted> expose(UserProfile user, FanOutCount c, long at) {
        if (!campaign.measured() || (c.targeted == 0 && c.heldOut == 0)) {
            return List.of();
        }
        return Attribution.expose(user, campaign, c.arm, c.targeted == 0, at);
    }

    /** Whether the campaign has arms (each targeted device is counted by its user's arm). */
    public boolean hasArms() {
        return campaign.arms != null;
    }

    /** Whether the campaign tests its arms before the rest of its audience gets the winner. */
    public boolean hasTest() {
        return campaign.test != null;
    }

    /** Whether the campaign holds some users out. */
    public boolean hasHoldout() {
        return assignment != null && assignment.holdout() > 0;
    }

    /**
     * One message of the campaign (its arm's, or its only one) as this preparation sends it: the
     * compiled templates and the request bodies built from their renderings.
     */
    public final class ArmMessage {
        /** The arm's name, or null for a campaign without arms. */
        private final String name;

        private final Message message;
        private final CompiledMessage compiled;
        /**
         * Bodies by rendering, which {@link CompiledMessage} hands out as the same instance while it
         * remembers it (so identity is the key), bounded like it.
         */
        private final Map<CompiledMessage.Rendered, Bodies> bodies = new IdentityHashMap<>();

        private ArmMessage(String name, Message message, CompiledMessage compiled) {
            this.name = name;
            this.message = message;
            this.compiled = compiled;
        }

        /**
         * Why the notification for {@code device} of {@code user} would be refused (a template its
         * attributes cannot fill, a payload over 4 KB), or null: what an estimate counts, without
         * building the request.
         */
        public String refusal(UserProfile user, DeviceRecord device) {
            if (live != null) {
                return request("", user.attributes, device).refusal;
            }
            return PreparedCampaign.refusal(bodiesFor(user.attributes, device), device);
        }

        private SendRequest request(String userId, Map<String, AttributeValue> attributes, DeviceRecord device) {
            return request(userId, attributes, device, device.locale);
        }

        /** The request for {@code device}, its text rendered in {@code locale} (the device's own, or a seed's test). */
        private SendRequest request(
                String userId, Map<String, AttributeValue> attributes, DeviceRecord device, String locale) {
            if (live != null) {
                return liveRequest(userId, attributes, device, locale);
            }
            Bodies built = bodiesFor(attributes, locale);
            SendRequest r = new SendRequest();
            r.notificationId = SendRequest.notificationId(campaign.campaignId, sendId, device.deviceId);
            r.campaignId = campaign.campaignId;
            r.arm = name;
            r.measured = campaign.measured();
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
                r.background = message.apns != null && Boolean.TRUE.equals(message.apns.contentAvailable);
                Integer priority = message.apns == null ? null : message.apns.priority;
                r.priority = r.background ? 5 : priority == null ? 10 : priority;
            } else if (device.platform == Platform.WEB) {
                r.payload = built.web();
                r.pushKeys = device.pushKeys;
                // Web push's Urgency comes from the campaign's priority: high (10) unless the message
                // asks the other platforms for less (APNs priority 5, or FCM "normal"), then normal.
                Integer apnsPriority = message.apns == null ? null : message.apns.priority;
                boolean normal = apnsPriority != null
                        ? apnsPriority < 10
                        : message.android != null && "normal".equals(message.android.priority);
                r.priority = normal ? 5 : 10;
            } else {
                r.payload = built.fcm().forToken(device.token);
            }
            r.refusal = PreparedCampaign.refusal(built, device);
            return r;
        }

        /** A Live Activity push to {@code device}'s token for it ({@link LiveActivityPush#tokenOf}). */
        private SendRequest liveRequest(
                String userId, Map<String, AttributeValue> attributes, DeviceRecord device, String locale) {
            DeviceRecord.LiveActivityToken token = live.tokenOf(device);
            SendRequest r = live.request(campaign, sendId, firedAt, device.deviceId);
            r.arm = name;
            r.userId = userId;
            r.deviceId = device.deviceId;
            r.token = token == null ? null : token.token;
            r.tokenVersion = token == null ? 0 : token.v;
            try {
                CompiledMessage.Rendered text = compiled == null ? null : compiled.render(locale, attributes);
                r.payload = live.body(locale, attributes, text, firedAt);
                r.refusal = sizeRefusal(r.payload);
            } catch (IllegalArgumentException e) {
                r.payload = live.body(
                        locale, Map.of(), compiled == null ? null : compiled.render(locale, Map.of()), firedAt);
                r.refusal = "template could not be rendered for this user: " + e.getMessage();
            }
            return r;
        }

        /** The bodies for {@code device}'s rendering of {@code attributes}, built at most once per rendering. */
        private Bodies bodiesFor(Map<String, AttributeValue> attributes, DeviceRecord device) {
            return bodiesFor(attributes, device.locale);
        }

        private Bodies bodiesFor(Map<String, AttributeValue> attributes, String locale) {
            try {
                return bodiesOf(compiled.render(locale, attributes), null);
            } catch (IllegalArgumentException e) {
                // A user's attribute of the wrong kind (text where a plural wants a number): refuse this one
                // notification with a receipt; the fan-out and the job go on.
                return bodiesOf(
                        compiled.render(locale, Map.of()),
                        "template could not be rendered for this user: " + e.getMessage());
            }
        }

        private Bodies bodiesOf(CompiledMessage.Rendered text, String renderFailure) {
            if (renderFailure != null) {
                return new Bodies(message, text, renderFailure);
            }
            Bodies built = bodies.get(text);
            if (built == null) {
                if (bodies.size() >= CompiledMessage.MAX_REMEMBERED) {
                    bodies.clear();
                }
                built = new Bodies(message, text, null);
                bodies.put(text, built);
            }
            return built;
        }
    }

    /** The one refusal check, for fires and estimates alike. */
    private static String refusal(Bodies built, DeviceRecord device) {
        if (built.renderFailure != null) {
            return built.renderFailure;
        }
        if (device.platform == Platform.IOS) {
            return built.apnsRefusal();
        }
        if (device.platform == Platform.WEB) {
            return built.webRefusal();
        }
        Payloads.FcmBody fcm = built.fcm();
        return fcm.maxUtf8Bytes(device.token) <= MAX_PAYLOAD_BYTES ? null : sizeRefusal(fcm.forToken(device.token));
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
        final Message message;
        final CompiledMessage.Rendered text;
        final String renderFailure;
        private String apns;
        /** The APNs body's size refusal, measured once with the body (it has no token in it). */
        private String apnsRefusal;

        private Payloads.FcmBody fcm;
        private String web;
        /** The web message's size refusal, measured once with it. */
        private String webRefusal;

        Bodies(Message message, CompiledMessage.Rendered text, String renderFailure) {
            this.message = message;
            this.text = text;
            this.renderFailure = renderFailure;
        }

        String apns() {
            if (apns == null) {
                apns = Payloads.apns(text.title, text.body, message);
                apnsRefusal = sizeRefusal(apns);
            }
            return apns;
        }

        String apnsRefusal() {
            apns();
            return apnsRefusal;
        }

        String web() {
            if (web == null) {
                web = Payloads.web(text.title, text.body, message, campaign.collapseId);
                int size = web.length() * 3 <= Payloads.WEB_PUSH_MAX_BYTES
                        ? 0
                        : web.getBytes(StandardCharsets.UTF_8).length;
                webRefusal = size <= Payloads.WEB_PUSH_MAX_BYTES
                        ? null
                        : "payload is " + size + " bytes, over web push's " + Payloads.WEB_PUSH_MAX_BYTES
                                + "-byte limit (one encrypted record)";
            }
            return web;
        }

        String webRefusal() {
            web();
            return webRefusal;
        }

        Payloads.FcmBody fcm() {
            if (fcm == null) {
                Long ttl = campaign.expiresAt == null ? null : Math.max(0, (campaign.expiresAt - firedAt) / 1000);
                fcm = Payloads.fcmBody(text.title, text.body, message, campaign.collapseId, ttl);
            }
            return fcm;
        }
    }

    /**
     * What a fan-out did with one user's devices: targeted (a send request each), suppressed (in the
     * audience, unreachable) and held out (reachable, but the user is in the holdout); and the user's
     * arm.
     */
    public static final class FanOutCount {
        public long targeted;
        public long suppressed;
        public long heldOut;
        /** Reachable devices in the audience whose users a test left for its winner. */
        public long deferred;
        /** The user's arm's name: null without arms, and for a user held out or not in the audience. */
        public String arm;
    }
}
