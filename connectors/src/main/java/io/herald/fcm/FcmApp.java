package io.herald.fcm;

import java.io.Serializable;

/**
 * One app's FCM settings. Credentials are read from files by each task when it starts: a Google
 * service account (the usual way), or a ready access token (for the sandbox's emulator).
 */
public class FcmApp implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String DEFAULT_ENDPOINT = "https://fcm.googleapis.com";

    public String appId;
    public String projectId;
    public String serviceAccountFile;
    public String accessTokenFile;
    public String endpoint = DEFAULT_ENDPOINT;
    /** PEM certificates to trust instead of the system's, for the sandbox's emulator. */
    public String trustedCertificateFile;
    /**
     * The project's send quota (FCM's default: 600,000 a minute): one budget for the whole job, lent
     * between its parallel instances by demand. Apps of one project share it (the smallest stated).
     */
    public int maxPerMinute = 600_000;

    public FcmApp() {}
}
