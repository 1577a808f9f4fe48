package io.herald.model;

import java.util.ArrayList;
import java.util.List;

/** What Herald knows about one device of a user: where to reach it and whether it may be reached. */
public class DeviceRecord {
    public String deviceId;
    public String appId;
    public Platform platform;
    public String token;
    public String locale;
    public String timezone;
    public String appVersion;
    public boolean optIn = true;
    public List<String> tags = new ArrayList<>();
    /** Version of the newest register or uninstall applied. */
    public long version;
    /** Version of the event that set the current token. */
    public long tokenVersion;
    public boolean uninstalled;
    public boolean tokenDead;
    /** Version of the rejection that killed the token; a registration newer than it revives it. */
    public long tokenDeadVersion;
    public String tokenDeadReason;

    public DeviceRecord() {}

    /** True when a notification may be sent to this device now. */
    public boolean reachable() {
        return token != null && platform != null && appId != null && optIn && !uninstalled && !tokenDead;
    }
}
