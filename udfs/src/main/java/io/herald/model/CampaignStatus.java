package io.herald.model;

/**
 * What happened to a campaign, as written to the {@code campaign-status} topic: accepted or
 * rejected (with the error), fired, cancelled, and one {@code fanned_out} record per parallel
 * subtask with how many devices it targeted and suppressed (one {@code estimated} record per subtask
 * for an estimate, with the counts per platform and per locale as well).
 */
public class CampaignStatus {
    public String campaignId;
    public String status;
    public String error;
    public Integer subtask;
    public Integer subtasks;
    public Long targeted;
    public Long suppressed;
    /** For {@code estimated}: targeted devices per platform and per locale. */
    public java.util.Map<String, Long> byPlatform;
    public java.util.Map<String, Long> byLocale;
    /** For {@code estimated}: targeted devices whose notification would be refused (render failure, oversize). */
    public Long refused;
    /** For {@code estimated} and {@code fanned_out}: users this subtask evaluated, and how long it took. */
    public Long users;
    public Long elapsedMs;
    public long at;

    public CampaignStatus() {}

    public static CampaignStatus of(String campaignId, String status, String error, long at) {
        CampaignStatus s = new CampaignStatus();
        s.campaignId = campaignId;
        s.status = status;
        s.error = error;
        s.at = at;
        return s;
    }
}
