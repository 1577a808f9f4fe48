package io.herald.job;

import io.herald.job.config.HeraldConfig;
import io.herald.kafka.AnswerLog;
import io.herald.kafka.HeraldKafka;
import io.herald.kafka.OutboundRecord;
import io.herald.model.RawRecord;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;

/**
 * Where the job reads and writes. Production takes them from the configuration ({@link #kafka});
 * a test may plug in its own.
 */
public final class HeraldSources {
    public final Source<RawRecord, ?, ?> devices;
    public final Source<RawRecord, ?, ?> campaigns;
    public final Source<RawRecord, ?, ?> audiences;
    /** What apps report of their users (opens, app events), or null for none. */
    public final Source<RawRecord, ?, ?> interactions;

    public final Sink<OutboundRecord> sink;
    /** Where the deliveries record notifications' final outcomes as they come, or null for nowhere. */
    public final AnswerLog answers;

    public HeraldSources(
            Source<RawRecord, ?, ?> devices,
            Source<RawRecord, ?, ?> campaigns,
            Source<RawRecord, ?, ?> audiences,
            Source<RawRecord, ?, ?> interactions,
            Sink<OutboundRecord> sink,
            AnswerLog answers) {
        this.devices = devices;
        this.campaigns = campaigns;
        this.audiences = audiences;
        this.interactions = interactions;
        this.sink = sink;
        this.answers = answers;
    }

    /**
     * The Kafka topics the configuration names, read committed, written exactly once; answers are
     * recorded in the {@code answers} topic as they come.
     */
    public static HeraldSources kafka(HeraldConfig config) {
        HeraldKafka kafka = new HeraldKafka(config.kafka.bootstrapServers, config.kafka.properties);
        String group = config.kafka.groupId;
        return new HeraldSources(
                kafka.source(config.topics.devices, group),
                kafka.source(config.topics.campaigns, group),
                kafka.source(config.topics.audiences, group),
                config.topics.interactions == null ? null : kafka.source(config.topics.interactions, group),
                kafka.sink(config.kafka.transactionalIdPrefix),
                new AnswerLog(config.kafka.bootstrapServers, config.topics.answers, config.kafka.properties));
    }
}
