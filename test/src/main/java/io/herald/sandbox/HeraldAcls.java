package io.herald.sandbox;

import io.herald.job.config.HeraldConfig;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACLs each of Herald's principals needs on a broker that allows nothing else, from a
 * configuration's topics, consumer group and transactional id prefix (README, "Kafka security").
 * READ and WRITE imply DESCRIBE. An idempotent producer needs no IDEMPOTENT_WRITE on the cluster:
 * since Kafka 3.0 (KIP-679), WRITE on a topic allows it.
 */
public final class HeraldAcls {
    private HeraldAcls() {}

    /**
     * The job: READ on what its sources read (devices, campaigns, audiences, interactions if
     * configured) and on what a restored job reads again (answers, campaign-status), READ on its
     * consumer group (offsets committed on checkpoints); WRITE on every topic its sink or its answer
     * log writes: receipts, dead-letters, campaign-status, answers, devices (released claims) and
     * campaigns (tests' winners); WRITE on the transactional ids starting with its prefix (the
     * exactly-once sink names one per subtask and checkpoint).
     */
    public static List<AclBinding> job(HeraldConfig config, String user) {
        HeraldConfig.Topics t = config.topics;
        List<AclBinding> acls = new ArrayList<>();
        List<String> read = new ArrayList<>(List.of(t.devices, t.campaigns, t.audiences, t.answers, t.campaignStatus));
        if (t.interactions != null) {
            read.add(t.interactions);
        }
        read.forEach(topic -> acls.add(allow(user, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.READ)));
        for (String topic : List.of(t.receipts, t.deadLetters, t.campaignStatus, t.answers, t.devices, t.campaigns)) {
            acls.add(allow(user, ResourceType.TOPIC, topic, PatternType.LITERAL, AclOperation.WRITE));
        }
        acls.add(allow(user, ResourceType.GROUP, config.kafka.groupId, PatternType.LITERAL, AclOperation.READ));
        acls.add(allow(
                user,
                ResourceType.TRANSACTIONAL_ID,
                config.kafka.transactionalIdPrefix,
                PatternType.PREFIXED,
                AclOperation.WRITE));
        return acls;
    }

    /**
     * The CLI's operator: WRITE on campaigns (every campaign and app command writes one record there),
     * READ on campaign-status (the job's answers, {@code audit}) and on receipts ({@code campaign send}
     * and {@code status --count-receipts} read them). No group: the CLI reads with none. ({@code
     * audience upload} needs WRITE on audiences besides.)
     */
    public static List<AclBinding> operator(HeraldConfig config, String user) {
        HeraldConfig.Topics t = config.topics;
        return List.of(
                allow(user, ResourceType.TOPIC, t.campaigns, PatternType.LITERAL, AclOperation.WRITE),
                allow(user, ResourceType.TOPIC, t.campaignStatus, PatternType.LITERAL, AclOperation.READ),
                allow(user, ResourceType.TOPIC, t.receipts, PatternType.LITERAL, AclOperation.READ));
    }

    /** What registers devices: WRITE on devices, nothing else. */
    public static List<AclBinding> deviceProducer(HeraldConfig config, String user) {
        return List.of(allow(user, ResourceType.TOPIC, config.topics.devices, PatternType.LITERAL, AclOperation.WRITE));
    }

    private static AclBinding allow(
            String user, ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(
                new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }
}
