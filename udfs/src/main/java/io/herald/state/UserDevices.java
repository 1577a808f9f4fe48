package io.herald.state;

import io.herald.model.DeviceRecord;

/**
 * Where a user's devices are kept while a merge runs: a map in memory, or Flink's keyed MapState in
 * the job. One merge, two homes.
 */
public interface UserDevices {
    DeviceRecord get(String deviceId) throws Exception;

    void put(String deviceId, DeviceRecord device) throws Exception;

    void remove(String deviceId) throws Exception;

    Iterable<String> ids() throws Exception;

    /** The devices of an in-memory map. */
    static UserDevices of(java.util.Map<String, DeviceRecord> map) {
        return new UserDevices() {
            @Override
            public DeviceRecord get(String deviceId) {
                return map.get(deviceId);
            }

            @Override
            public void put(String deviceId, DeviceRecord device) {
                map.put(deviceId, device);
            }

            @Override
            public void remove(String deviceId) {
                map.remove(deviceId);
            }

            @Override
            public Iterable<String> ids() {
                return new java.util.ArrayList<>(map.keySet());
            }
        };
    }
}
