package io.herald.model;

import java.util.ArrayList;
import java.util.Map;

/**
 * Where a user's devices are kept while a merge runs: a map in memory, or a user's compact state in
 * the job. One merge, two homes.
 */
public interface UserDevices {
    DeviceRecord get(String deviceId) throws Exception;

    void put(String deviceId, DeviceRecord device) throws Exception;

    void remove(String deviceId) throws Exception;

    Iterable<String> ids() throws Exception;

    /** The devices of an in-memory map. */
    static UserDevices of(Map<String, DeviceRecord> map) {
        return of(map, DeviceRecord.NEVER);
    }

    /** The devices of an in-memory map, each device put stamped as written at {@code writtenAt}. */
    static UserDevices of(Map<String, DeviceRecord> map, long writtenAt) {
        return new UserDevices() {
            @Override
            public DeviceRecord get(String deviceId) {
                return map.get(deviceId);
            }

            @Override
            public void put(String deviceId, DeviceRecord device) {
                device.writtenAt = writtenAt;
                map.put(deviceId, device);
            }

            @Override
            public void remove(String deviceId) {
                map.remove(deviceId);
            }

            @Override
            public Iterable<String> ids() {
                return new ArrayList<>(map.keySet());
            }
        };
    }
}
