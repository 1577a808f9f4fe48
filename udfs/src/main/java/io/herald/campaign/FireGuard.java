package io.herald.campaign;

import java.io.Serializable;
import java.util.Locale;

/**
 * An app's check on the size of a fire, made before anything of it is sent: a fire whose audience
 * (the devices it would reach, over the whole job) is more than {@link #devicesFactor} times the
 * app's devices, or more than {@link #maxAudience}, is refused unless its record confirms that
 * audience ({@code confirmAudience} at least as large: the figure an estimate gave). Either bound may
 * be absent. It is the last rail against a send by mistake: a test push to everyone, a segment that
 * matched more than meant. Immutable.
 */
public final class FireGuard implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Double devicesFactor;
    private final Long maxAudience;

    /**
     * @param devicesFactor the largest audience as a multiple of the app's devices (0.5: half of
     *     them), or null
     * @param maxAudience the largest audience without a confirmation, or null
     * @throws IllegalArgumentException if both are null, or either is not above zero
     */
    public FireGuard(Double devicesFactor, Long maxAudience) {
        if (devicesFactor == null && maxAudience == null) {
            throw new IllegalArgumentException("a fire guard needs devicesFactor or maxAudience");
        }
        if (devicesFactor != null && !(devicesFactor > 0)) {
            throw new IllegalArgumentException("devicesFactor must be above zero, not " + devicesFactor);
        }
        if (maxAudience != null && maxAudience < 1) {
            throw new IllegalArgumentException("maxAudience must be at least 1, not " + maxAudience);
        }
        this.devicesFactor = devicesFactor;
        this.maxAudience = maxAudience;
    }

    /**
     * Why a fire of {@code audience} devices, in an app of {@code appDevices}, is refused; null if it
     * may go.
     *
     * @param confirmed the audience the fire record confirms, or null
     */
    public String refusal(String appId, long audience, long appDevices, Long confirmed) {
        if (confirmed != null && confirmed >= audience) {
            return null;
        }
        String over = null;
        if (devicesFactor != null && audience > devicesFactor * appDevices) {
            over = String.format(
                    Locale.ROOT,
                    "its audience of %,d devices is more than %s times the app's %,d devices",
                    audience,
                    factor(),
                    appDevices);
        } else if (maxAudience != null && audience > maxAudience) {
            over = String.format(Locale.ROOT, "its audience of %,d devices is more than %,d", audience, maxAudience);
        }
        if (over == null) {
            return null;
        }
        return "fire refused by apps." + appId + ".fireGuard: " + over
                + (confirmed == null ? "" : String.format(Locale.ROOT, " (the fire confirmed %,d)", confirmed))
                + "; nothing was sent. To send it, fire it again with \"confirmAudience\": " + audience
                + " (herald campaign fire --confirm-audience " + audience + ")";
    }

    private String factor() {
        return devicesFactor == Math.rint(devicesFactor)
                ? Long.toString(devicesFactor.longValue())
                : devicesFactor.toString();
    }
}
