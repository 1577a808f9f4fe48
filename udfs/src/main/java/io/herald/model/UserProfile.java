package io.herald.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What Herald keeps per user beside the devices: attributes, list audiences, and the erase tombstone. */
public class UserProfile {
    /** Attributes by name, tombstones included. */
    public Map<String, AttributeValue> attributes = new HashMap<>();
    /** Campaigns whose uploaded audience list names this user. */
    public List<String> audienceCampaigns = new ArrayList<>();
    /** Everything at or below this version was erased; events at or below it are ignored. */
    public long erasedV = DeviceRecord.NEVER;
    /**
     * When campaigns were sent to this user, by app (epoch ms, oldest first): what frequency caps
     * count. Only apps with a cap keep them, and only those inside the cap's window.
     */
    public Map<String, long[]> campaignSends = new HashMap<>();
    /**
     * What each app's runaway guard counts of this user: every notification, of any campaign or
     * transactional send. Only apps with a guard keep one.
     */
    public Map<String, RunawayCount> runaway = new HashMap<>();
    /**
     * The user's exposures to measured campaigns, by campaign, while their windows are open (at most
     * {@code Attribution.MAX_EXPOSURES}, the oldest dropped first).
     */
    public Map<String, Exposure> exposures = new HashMap<>();
    /**
     * Report ids ({@link Interaction#eventId}) taken lately, oldest first, so a report sent twice
     * counts once (at most {@code Attribution.MAX_EVENT_IDS}).
     */
    public List<String> recentEventIds = new ArrayList<>();
    /** When the user last opened a notification (or tapped an action), epoch ms; NEVER if not. */
    public long lastOpenedAt = DeviceRecord.NEVER;
    /** When the user last did each app event, by name, epoch ms (at most {@code Attribution.MAX_EVENT_NAMES}). */
    public Map<String, Long> lastEvents = new HashMap<>();
    /**
     * Reports that matched no exposure when they came, kept a while for one that may come yet
     * (oldest first, at most {@code Attribution.MAX_PENDING}).
     */
    public List<Interaction> pending = new ArrayList<>();

    public UserProfile() {}
}
