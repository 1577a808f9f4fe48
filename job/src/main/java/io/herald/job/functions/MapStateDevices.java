package io.herald.job.functions;

import io.herald.model.DeviceRecord;
import io.herald.state.UserDevices;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.MapState;

/** The current user's devices in Flink's keyed MapState, as the device merge sees them. */
public final class MapStateDevices implements UserDevices {
    private final MapState<String, DeviceRecord> devices;

    public MapStateDevices(MapState<String, DeviceRecord> devices) {
        this.devices = devices;
    }

    @Override
    public DeviceRecord get(String deviceId) throws Exception {
        return devices.get(deviceId);
    }

    @Override
    public void put(String deviceId, DeviceRecord device) throws Exception {
        devices.put(deviceId, device);
    }

    @Override
    public void remove(String deviceId) throws Exception {
        devices.remove(deviceId);
    }

    @Override
    public Iterable<String> ids() throws Exception {
        List<String> ids = new ArrayList<>();
        devices.keys().forEach(ids::add);
        return ids;
    }
}
