package io.herald.kafka;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * Where Herald's sources start a partition they have no state for: at the group's committed offset,
 * or at the partition's beginning if the group has none; resolved to a number when the split is
 * made. The connector's own {@code committedOffsets(EARLIEST)} leaves the split with a marker
 * (committed offset: -3) that its reader resolves, and a split that has yielded no record keeps the
 * marker in every checkpoint: restored from a savepoint taken while a partition was still empty, the
 * job started that partition wherever the group's offset stood at the restore, past records a later
 * run had read and committed (a replay lost the {@code create} and {@code fire} written after the
 * savepoint). A number in the split is where the savepoint stood. Hand-written: the connector has
 * no initializer that resolves the committed offset eagerly ({@code offsets(Map.of(), EARLIEST)}
 * does today, by a lookup an open change would drop).
 */
public final class CommittedOrEarliest implements OffsetsInitializer {
    private static final long serialVersionUID = 1L;

    @Override
    public Map<TopicPartition, Long> getPartitionOffsets(
            Collection<TopicPartition> partitions, PartitionOffsetsRetriever retriever) {
        Map<TopicPartition, Long> offsets = new HashMap<>();
        Map<TopicPartition, Long> committed = retriever.committedOffsets(partitions);
        List<TopicPartition> uncommitted = new ArrayList<>();
        for (TopicPartition p : partitions) {
            Long at = committed.get(p);
            if (at == null || at < 0) {
                uncommitted.add(p);
            } else {
                offsets.put(p, at);
            }
        }
        if (!uncommitted.isEmpty()) {
            offsets.putAll(retriever.beginningOffsets(uncommitted));
        }
        return offsets;
    }

    /** A committed offset the log no longer holds (retention deleted it) starts at the beginning. */
    @Override
    public OffsetResetStrategy getAutoOffsetResetStrategy() {
        return OffsetResetStrategy.EARLIEST;
    }
}
