package io.herald.job.fanout.walk;

import io.herald.delivery.DeliveryRoom;
import io.herald.experiment.Attribution;
import io.herald.job.state.StoredUsers;
import io.herald.model.Answer;
import io.herald.model.CampaignStatus;
import io.herald.model.SendRequest;
import io.herald.model.UserState;
import java.io.IOException;
import org.apache.flink.runtime.state.KeyGroupRange;

/**
 * What walks need of the operator they run in, and nothing more: its users' state, the clock, its
 * outputs, the answers on record, and the room in the deliveries behind it. Everything is called
 * on the task thread.
 */
public interface WalkContext {
    /** The most users one walk takes in one step. */
    int usersPerChunk();

    /** How often a walking instance writes its progress. */
    long progressEveryMillis();

    /** How long a device lives without being written. */
    long deviceTtlMillis();

    /** Processing time, in epoch milliseconds. */
    long now();

    int instance();

    int instances();

    int maxParallelism();

    /** The key groups this instance holds. */
    KeyGroupRange keyGroups();

    /** This instance's users as stored now, in key order; null if none was ever written. */
    StoredUsers openUsers() throws Exception;

    /** A user's state as it is now (for users written since a walk began). */
    UserState readUser(String userId) throws Exception;

    /** Writes a user's state back (a frequency cap counted), remembering it was written during walks. */
    void writeUser(String userId, UserState state) throws Exception;

    /** Whether {@code userId} was written since the walks under way began (then it is read again). */
    boolean writtenDuringWalks(String userId);

    /** The user id as the key serializer writes it, to compare with stored keys. */
    byte[] serializedKey(String userId) throws IOException;

    void emit(SendRequest request);

    void status(CampaignStatus status);

    /** Counts something for a measured campaign's results (an exposure). */
    void counted(Attribution.Counted counted);

    /** Where a walk says that an app's runaway guard capped a user. */
    RunawayAlerts runawayAlerts();

    /** The provider's answer to a notification handed out again after a restore, if on record (taken once). */
    Answer answerOnRecord(String notificationId);

    WalkMetrics metrics();

    DeliveryRoom room();
}
