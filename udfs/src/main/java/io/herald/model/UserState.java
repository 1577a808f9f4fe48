package io.herald.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything Herald keeps for one user, as one value: the profile and the devices. One read gives a
 * campaign all it needs of a user (a profile value and a scan of a device map cost two RocksDB
 * look-ups and an iterator each). Each device expires on its own, {@code ttl} after it was last
 * written ({@link DeviceRecord#writtenAt}): an expired device is not seen and is dropped at the
 * user's next write.
 */
public final class UserState {
    public UserProfile profile = new UserProfile();
    /** Devices by id, expired ones included until the next write. */
    public Map<String, DeviceRecord> devices = new LinkedHashMap<>(4);

    public UserState() {}

    /**
     * The devices alive at {@code now}: written within {@code ttlMillis}. Read once per user by every
     * walk, so nothing is copied unless a device has expired.
     */
    public Collection<DeviceRecord> live(long now, long ttlMillis) {
        boolean allAlive = true;
        for (DeviceRecord d : devices.values()) {
            allAlive &= alive(d, now, ttlMillis);
        }
        if (allAlive) {
            return devices.values();
        }
        List<DeviceRecord> live = new ArrayList<>(devices.size());
        for (DeviceRecord d : devices.values()) {
            if (alive(d, now, ttlMillis)) {
                live.add(d);
            }
        }
        return live;
    }

    private static boolean alive(DeviceRecord d, long now, long ttlMillis) {
        return d.writtenAt == DeviceRecord.NEVER || now - d.writtenAt < ttlMillis;
    }

    /**
     * The devices as a merge at {@code now} sees them: expired ones are gone (and dropped from this
     * value), and every device the merge writes is stamped with {@code now}.
     */
    public UserDevices devicesAt(long now, long ttlMillis) {
        devices.values().removeIf(d -> !alive(d, now, ttlMillis));
        return UserDevices.of(devices, now);
    }
}
