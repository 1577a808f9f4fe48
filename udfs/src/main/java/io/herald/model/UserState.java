package io.herald.model;

import java.util.HashMap;
import java.util.Map;

/**
 * A whole user in memory: the profile and the devices. The job keeps the two apart in RocksDB (a
 * value and a map, so each device can expire on its own); this form serves the pure merge logic,
 * its tests and the bootstrap.
 */
public class UserState {
    public UserProfile profile = new UserProfile();
    public Map<String, DeviceRecord> devices = new HashMap<>();

    public UserState() {}
}
