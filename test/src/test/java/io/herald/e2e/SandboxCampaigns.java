package io.herald.e2e;

import io.herald.job.cli.CampaignWatcher;
import io.herald.sandbox.DemoCampaign;
import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import io.herald.sandbox.TokenRegistry;
import org.apache.flink.core.execution.JobClient;

/**
 * What the end-to-end tests do with a running sandbox, written once: create, fire and watch
 * campaigns through the campaigns topic, and read or reset what the emulators received.
 */
final class SandboxCampaigns {
    private final Sandbox sandbox;
    private final KafkaIO kafka;

    SandboxCampaigns(Sandbox sandbox, KafkaIO kafka) {
        this.sandbox = sandbox;
        this.kafka = kafka;
    }

    /** The campaigns topic. */
    String topic() {
        return sandbox.config().topics.campaigns;
    }

    /** A watcher of the campaign's receipts and statuses, from now on. */
    CampaignWatcher watch(String campaignId) {
        return kafka.watch(campaignId, sandbox.config().topics.receipts, sandbox.config().topics.campaignStatus);
    }

    /** Creates the campaign (unless {@code create} is null: it exists), fires it, and watches it. */
    CampaignWatcher fire(String campaignId, byte[] create) {
        CampaignWatcher watcher = watch(campaignId);
        if (create != null) {
            kafka.send(topic(), campaignId, create);
        }
        kafka.send(topic(), campaignId, DemoCampaign.fire(campaignId));
        kafka.flush();
        return watcher;
    }

    /** Fires a new campaign to every user, and watches it. */
    CampaignWatcher fireToAll(String campaignId) {
        return fire(campaignId, DemoCampaign.create(campaignId, DemoCampaign.ALL));
    }

    /** What every emulator received, all devices together. */
    long received() {
        return sandbox.received();
    }

    /** Every emulator forgets what it received. */
    void resetCounts() {
        sandbox.resetCounts();
    }

    /** The emulator's counts for the device's platform. */
    TokenRegistry registry(SyntheticUsers.Device d) {
        return sandbox.tokens(d.platform);
    }

    /** Stops the job, then closes the Kafka clients and the sandbox; any of them may be null. */
    static void stopAll(JobClient job, KafkaIO kafka, Sandbox sandbox) throws Exception {
        if (job != null) {
            job.cancel().get();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (sandbox != null) {
            sandbox.close();
        }
    }
}
