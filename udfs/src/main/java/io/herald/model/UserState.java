package io.herald.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Everything Herald keeps per user, keyed by user id in RocksDB: devices, attributes, list audiences. */
public class UserState {
    public Map<String, DeviceRecord> devices = new HashMap<>();
    public Map<String, AttributeValue> attributes = new HashMap<>();
    /** Campaigns whose uploaded audience list names this user. */
    public List<String> audienceCampaigns = new ArrayList<>();

    public UserState() {}
}
