package io.herald.apns;

import java.io.Serializable;

/**
 * One app's APNs settings. The signing key is read from {@link #keyFile} by each task when it
 * starts: the job graph carries the path, never the key.
 */
public class ApnsApp implements Serializable {
    private static final long serialVersionUID = 1L;

    public String appId;
    /** The .p8 signing key (PKCS#8 PEM) from the Apple developer account. */
    public String keyFile;

    public String keyId;
    public String teamId;
    /** The app's bundle id, sent as apns-topic. */
    public String topic;
    /** {@code production} or {@code development}; ignored when {@link #host} is set. */
    public String environment = "production";
    /** An explicit server, for the sandbox's emulator. */
    public String host;

    public Integer port;
    /** PEM certificates to trust instead of the system's, for the sandbox's emulator. */
    public String trustedCertificateFile;

    /** An explicit channel management server (Live Activity broadcast channels), for the sandbox's emulator. */
    public String channelsHost;

    public Integer channelsPort;
    /** An explicit server for broadcast pushes, for the sandbox's emulator. */
    public String broadcastHost;

    public Integer broadcastPort;

    /**
     * This app's send budget at APNs, notifications per second over the whole job, or null for none
     * (APNs publishes no quota: without one, the rate adapts only when APNs throttles).
     */
    public Integer maxPerSecond;

    public ApnsApp() {}
}
