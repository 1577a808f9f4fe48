package io.herald.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * What happened to a campaign, as written to the {@code campaign-status} topic (see {@link StatusKind}).
 * Campaign-wide news (accepted, rejected, fired, ignored) is one record; what each parallel instance
 * did with its own users (progress, fanned_out, estimated, cancelled) is one record per instance,
 * with the key groups it covers, so that the records of a campaign add up even across a restore at
 * another parallelism. Fields that do not apply are left out of the JSON.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CampaignStatus {
    /** The campaign; null for a status about a whole app ({@link #appId}). */
    public String campaignId;
    /** For a status about a whole app (its pause or resume), and for {@code runaway}: the app. */
    public String appId;
    /** For {@code runaway}: the user the app's runaway guard capped. */
    public String userId;
    /** For {@code runaway}: alerts this instance left out since its previous one (more than ten a second). */
    public Long alertsLeftOut;

    public StatusKind status;
    public String error;
    public Integer subtask;
    public Integer subtasks;
    /** Devices in the audience with a notification (handed out, or counted by an estimate). */
    public Long targeted;
    /** Devices in the audience that cannot be reached (opted out, uninstalled, dead token). */
    public Long suppressed;
    /**
     * Notifications handed to delivery by this instance; less than {@code targeted} after a restore,
     * by the notifications whose provider answer was already on record.
     */
    public Long handedOut;
    /**
     * Of a campaign with a holdout: reachable devices in the audience not sent to, their users held
     * out (not in {@code targeted}).
     */
    public Long heldOut;
    /** Of a tested campaign's fire: reachable devices in the audience left for the winner (not in {@code targeted}). */
    public Long deferred;
    /** Of a campaign with arms: targeted devices per arm (for {@code estimated}: that would be). */
    public Map<String, Long> byArm;
    /** For {@code results}: a row per arm, the holdout last (see {@link ArmResult}). */
    public List<ArmResult> results;
    /** For {@code results}: the confidence of its intervals; for {@code decided}, the test's. */
    public Double confidence;
    /** For {@code decided}: the arm the rest of the audience gets, or null for none. */
    public String winner;
    /** For {@code decided}: true when the winner won the test; false when it is the fallback. */
    public Boolean decided;
    /** For {@code decided}: why, in a sentence. */
    public String reason;
    /** For {@code decided}: the best arm's two-sided p-value against each other arm. */
    public Map<String, Double> pValues;
    /** For {@code estimated}: targeted devices per platform and per locale. */
    public Map<String, Long> byPlatform;

    public Map<String, Long> byLocale;
    /** For {@code estimated} of a local-time campaign: targeted devices by the moment (UTC) they get it, or "skipped". */
    public Map<String, Long> bySchedule;
    /** For {@code estimated}: targeted devices whose notification would be refused (render failure, oversize). */
    public Long refused;
    /** Targeted devices whose notification was (for {@code estimated}: would be) held back by the app's frequency cap. */
    public Long capped;
    /** Targeted devices whose notification quiet hours held (or dropped); for estimates, at the estimate's time. */
    public Long quietHours;
    /** For {@code checked}: the app's live devices this instance holds (what a fire guard's factor applies to). */
    public Long appDevices;
    /**
     * For {@code progress} of a fire or retry: what its walk waits for now on this instance
     * ({@code deliveries}: no room in the deliveries ahead, their send budget's next second taken or
     * their windows full; {@code pace}: its own {@code maxPerSecond} or {@code spreadOver};
     * {@code pause}); absent while it walks.
     */
    public String waiting;
    /** For {@code progress} and the final status of a fire or retry: milliseconds its walk waited here, by what for. */
    public Map<String, Long> waitedMs;
    /** Users this instance walked so far, and how long it took. */
    public Long users;

    public Long elapsedMs;
    /** For {@code progress}: the users this instance is expected to walk in all (from the key groups done). */
    public Long usersExpected;
    /** Key groups this record covers, of {@code keyGroupsTotal} in the job; for progress, how many are walked. */
    public Integer keyGroups;

    public Integer keyGroupsDone;
    public Integer keyGroupsTotal;
    /** For a retry's {@code retried} and {@code estimated}: the outcomes it was for. */
    public List<Outcome> outcomes;
    /**
     * For {@code accepted}: the SHA-256 (hex) of the create record as written, what {@code campaign
     * approve} approves; for {@code approved}: the content approved.
     */
    public String contentHash;
    /** For {@code approved}: the principal who approved; for {@code audit}: who signed the record. */
    public String principal;
    /** For {@code audit}: the key the record was signed with. */
    public String keyId;
    /** For {@code audit}: the record's type ({@code create}, {@code fire}, ...). */
    public String record;
    /** For {@code tested}: the test it answers (its record's {@code sendId}). */
    public String sendId;
    /** For {@code receipts}: receipts written for the campaign so far, all of its walks and sends. */
    public Long receipts;
    /** For {@code receipts}: the receipts by outcome (its wire name). */
    public Map<String, Long> byOutcome;
    /**
     * For {@code receipts}: the receipts other than delivered, by platform and reason ("ios
     * BadDeviceToken"); at most {@code DeliveryTally.MAX_REASONS} reasons, the rest as "other".
     */
    public Map<String, Long> failures;
    /** For {@code receipts}: fire-to-ack latency in ms, at p50, p90, p99 and max (2 significant digits). */
    public Map<String, Long> latencyMs;

    public long at;

    public CampaignStatus() {}

    /** A status about a whole app (its pause or resume). */
    public static CampaignStatus ofApp(String appId, StatusKind status, String error, long at) {
        CampaignStatus s = of(null, status, error, at);
        s.appId = appId;
        return s;
    }

    public static CampaignStatus of(String campaignId, StatusKind status, String error, long at) {
        CampaignStatus s = new CampaignStatus();
        s.campaignId = campaignId;
        s.status = status;
        s.error = error;
        s.at = at;
        return s;
    }
}
