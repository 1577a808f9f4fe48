package io.herald.apns;

import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import java.io.File;
import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;

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
    /**
     * PEM certificates to trust instead of the system's, for the sandbox's emulator: for pushes,
     * broadcasts and channel management alike.
     */
    public String trustedCertificateFile;

    /**
     * Where broadcasts (Live Activity updates to a channel) go, for an emulator: by default
     * {@link #host}/{@link #port} when set (APNs takes broadcasts on its push hosts), else the
     * environment's push host.
     */
    public String broadcastHost;

    public Integer broadcastPort;
    /** Where channel management requests go, for an emulator: by default the environment's management host. */
    public String channelsHost;

    public Integer channelsPort;

    /**
     * This app's send budget at APNs, notifications per second over the whole job, or null for none
     * (APNs publishes no quota: without one, the rate adapts only when APNs throttles).
     */
    public Integer maxPerSecond;

    /**
     * Priority-10 Live Activity updates each activity may have in a rolling hour; beyond it an update
     * goes at priority 5 (null: {@code UrgentUpdateBudget.DEFAULT_PER_HOUR}, 12).
     */
    public Integer liveActivityUrgentUpdatesPerHour;

    public ApnsApp() {}

    /** APNs's push hosts, which take broadcasts too, on 443. */
    static final String PRODUCTION_PUSH_HOST = "api.push.apple.com";

    static final String DEVELOPMENT_PUSH_HOST = "api.sandbox.push.apple.com";
    /** APNs's channel management hosts, each on a port of its own. */
    static final String PRODUCTION_CHANNELS_HOST = "api-manage-broadcast.push.apple.com";

    static final int PRODUCTION_CHANNELS_PORT = 2196;
    static final String DEVELOPMENT_CHANNELS_HOST = "api-manage-broadcast.sandbox.push.apple.com";
    static final int DEVELOPMENT_CHANNELS_PORT = 2195;

    private boolean development() {
        return "development".equals(environment);
    }

    /** Where this app's broadcasts go: {@code https://host:port}. */
    public URI broadcastOrigin() {
        if (broadcastHost != null) {
            return origin(broadcastHost, broadcastPort == null ? 443 : broadcastPort);
        }
        if (host != null) {
            return origin(host, port == null ? 443 : port);
        }
        return origin(development() ? DEVELOPMENT_PUSH_HOST : PRODUCTION_PUSH_HOST, 443);
    }

    /** Where this app's channel management requests go: {@code https://host:port}. */
    public URI channelsOrigin() {
        if (channelsHost != null) {
            return origin(
                    channelsHost,
                    channelsPort != null
                            ? channelsPort
                            : development() ? DEVELOPMENT_CHANNELS_PORT : PRODUCTION_CHANNELS_PORT);
        }
        return development()
                ? origin(DEVELOPMENT_CHANNELS_HOST, DEVELOPMENT_CHANNELS_PORT)
                : origin(PRODUCTION_CHANNELS_HOST, PRODUCTION_CHANNELS_PORT);
    }

    private static URI origin(String host, int port) {
        return URI.create("https://" + host + ":" + port);
    }

    /** The trusted certificates as a file, or null for the system's. */
    public File trustedCertificates() {
        return trustedCertificateFile == null ? null : new File(trustedCertificateFile);
    }

    /** Reads this app's signing key from {@link #keyFile}. */
    public ApnsSigningKey signingKey() throws IOException, NoSuchAlgorithmException, InvalidKeyException {
        return ApnsSigningKey.loadFromPkcs8File(new File(keyFile), teamId, keyId);
    }
}
