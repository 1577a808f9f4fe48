package io.herald.job.functions;

import io.herald.job.state.Claim;
import io.herald.job.state.ClaimSerializer;
import io.herald.job.state.DeviceEventSerializer;
import io.herald.model.DeviceEvent;
import java.time.Duration;
import java.util.function.Consumer;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keeps a device id, or a push token, with one user at a time. When another user registers the
 * same device id (someone else logs in on the phone) or the same token, the newer registration
 * wins and the loser is told: an {@code uninstall} of the device for a device id, a
 * {@code token_rejected} of the token for a token. A Live Activity token is a token here too: one
 * device holds it, and a device that loses it is told as for a push token (the merge reads the
 * rejection of any token it keeps). A late, older registration loses at once.
 * Versions decide, never arrival order, so the outcome is the same whatever order events come in.
 *
 * <p>Every event passes through unchanged; the losers' events are added to the stream.
 */
public final class ClaimOwnership extends KeyedProcessFunction<String, DeviceEvent, DeviceEvent>
        implements ResultTypeQueryable<DeviceEvent> {
    private static final long serialVersionUID = 1L;

    /** What is claimed. */
    public enum Claimed {
        DEVICE_ID,
        TOKEN
    }

    private final Claimed claimed;
    private final Duration ttl;
    private transient ValueState<Claim> owner;

    public ClaimOwnership(Claimed claimed, Duration ttl) {
        this.claimed = claimed;
        this.ttl = ttl;
    }

    @Override
    public TypeInformation<DeviceEvent> getProducedType() {
        return DeviceEventSerializer.TYPE;
    }

    /** The key an event is routed by: the thing it claims, or its user when it claims nothing. */
    public static KeySelector<DeviceEvent, String> keyFor(Claimed claimed) {
        return e -> {
            String thing = claimed == Claimed.DEVICE_ID
                    ? e.deviceId
                    : (setsToken(e) || e.type == DeviceEvent.Type.CLAIMS_RELEASED ? e.token : null);
            return thing != null ? thing : "\u0000user:" + e.userId;
        };
    }

    /** What sets a token on a device: a registration, an update (a rotation), a Live Activity token. */
    private static boolean setsToken(DeviceEvent e) {
        return e.type == DeviceEvent.Type.REGISTER
                || e.type == DeviceEvent.Type.UPDATE
                || e.type == DeviceEvent.Type.LIVE_ACTIVITY_TOKEN;
    }

    /** The state of who holds each claimed thing; the bootstrap writes the same. */
    public static ValueStateDescriptor<Claim> ownerDescriptor(Claimed claimed, Duration ttl) {
        ValueStateDescriptor<Claim> d =
                new ValueStateDescriptor<>("owner-" + claimed.name().toLowerCase(), ClaimSerializer.TYPE);
        d.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                .cleanupInRocksdbCompactFilter(1000)
                .build());
        return d;
    }

    /**
     * Whether {@code e} claims what this stage guards. A device id is claimed by a registration only:
     * the merge installs a device on a registration alone, so a claim renewed by an update (which
     * installs nothing) would let the outcome depend on the order events arrive in. A token is
     * claimed by whatever sets it on a device, a registration, an update (a rotation) or a Live
     * Activity token event. A Live Activity token event does not claim its device id, for the same
     * reason as an update: it installs nothing. It needs no claim of its own: its tokens are read only
     * while the device is installed for the user, which the registrations' claims decide.
     */
    public static boolean isClaim(DeviceEvent e, Claimed claimed) {
        if (e.deviceId == null) {
            return false;
        }
        return claimed == Claimed.DEVICE_ID ? e.type == DeviceEvent.Type.REGISTER : setsToken(e) && e.token != null;
    }

    @Override
    public void open(OpenContext openContext) {
        owner = getRuntimeContext().getState(ownerDescriptor(claimed, ttl));
    }

    /**
     * Whether {@code e} needs the claim stages at all: it claims a device id or a token, or releases
     * claims. The rest (attributes, tags, opt-outs, uninstalls, token feedback) go around them.
     */
    public static boolean concernsClaims(DeviceEvent e) {
        return e.type == DeviceEvent.Type.CLAIMS_RELEASED || isClaim(e, Claimed.DEVICE_ID) || isClaim(e, Claimed.TOKEN);
    }

    @Override
    public void processElement(DeviceEvent e, Context ctx, Collector<DeviceEvent> out) throws Exception {
        out.collect(e);
        if (e.type != DeviceEvent.Type.CLAIMS_RELEASED && !isClaim(e, claimed)) {
            return; // a claim for the other stage: nothing to read or change here
        }
        Claim current = owner.value();
        Claim next = decide(claimed, current, e, out::collect);
        if (next != current) {
            owner.update(next);
        }
    }

    /**
     * What {@code e} does to the claim on its device id or token ({@code current}, or null for
     * none): the claim after it (the same object when unchanged), with the loser's event, if there
     * is a loser, handed to {@code losses}. The live stage and the device bootstrap both decide here.
     */
    public static Claim decide(Claimed claimed, Claim current, DeviceEvent e, Consumer<DeviceEvent> losses) {
        if (e.type == DeviceEvent.Type.CLAIMS_RELEASED) {
            // The holder was erased: forget who it was, but keep the claim's version (and tie-break),
            // so that older claims still lose to it whether they arrive before the release or after.
            boolean held = current != null
                    && !current.released()
                    && current.userId.equals(e.userId)
                    && (claimed == Claimed.DEVICE_ID || current.deviceId.equals(e.deviceId));
            return held && current.version <= e.version ? current.forgotten() : current;
        }
        if (!isClaim(e, claimed)) {
            return current;
        }
        Claim challenger = new Claim(e.userId, e.deviceId, e.version);
        if (current == null) {
            return challenger;
        }
        if (current.sameHolder(challenger, claimed == Claimed.TOKEN)) {
            if (e.version <= current.version) {
                return current;
            }
            return new Claim(current.userId, current.deviceId, e.version);
        }
        // The loser loses as of its own claim, not as of the claim that beat it: which claims a loser
        // meets first depends on the order events arrive in, its own versions do not. The merge takes
        // the greatest loss version, so a holder beaten twice ends the same either way.
        if (challenger.beats(current)) {
            if (!current.released()) {
                losses.accept(loss(claimed, current, e));
            }
            return challenger;
        }
        losses.accept(loss(claimed, challenger, e));
        return current;
    }

    /** The event that tells {@code loser} it lost the claim it made at its version. */
    private static DeviceEvent loss(Claimed claimed, Claim loser, DeviceEvent e) {
        long version = loser.version;
        if (claimed == Claimed.DEVICE_ID) {
            DeviceEvent u = new DeviceEvent();
            u.type = DeviceEvent.Type.UNINSTALL;
            u.userId = loser.userId;
            u.deviceId = loser.deviceId;
            u.reason = "device registered by another user";
            u.version = version;
            return u;
        }
        return DeviceEvent.tokenRejected(
                loser.userId, loser.deviceId, null, e.token, "token registered by another device", version);
    }
}
