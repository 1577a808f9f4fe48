package io.herald.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Starting offsets resolved to numbers, so a split that has read nothing checkpoints where it stands. */
class CommittedOrEarliestTest {
    private static final TopicPartition COMMITTED = new TopicPartition("campaigns", 0);
    private static final TopicPartition UNCOMMITTED = new TopicPartition("campaigns", 1);

    /** A broker's answers: the group committed 7 on partition 0 and nothing on 1; both begin at 3. */
    private static final class Broker implements OffsetsInitializer.PartitionOffsetsRetriever {
        @Override
        public Map<TopicPartition, Long> committedOffsets(Collection<TopicPartition> partitions) {
            return partitions.contains(COMMITTED) ? Map.of(COMMITTED, 7L) : Map.of();
        }

        @Override
        public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
            return of(partitions, 20L);
        }

        @Override
        public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
            return of(partitions, 3L);
        }

        @Override
        public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
            return Map.of();
        }

        private static Map<TopicPartition, Long> of(Collection<TopicPartition> partitions, long offset) {
            Map<TopicPartition, Long> m = new HashMap<>();
            partitions.forEach(p -> m.put(p, offset));
            return m;
        }
    }

    @Test
    void aPartitionStartsAtTheGroupsCommittedOffsetOrItsBeginning_aNumberEitherWay() {
        Map<TopicPartition, Long> offsets =
                new CommittedOrEarliest().getPartitionOffsets(List.of(COMMITTED, UNCOMMITTED), new Broker());
        assertThat(offsets).containsExactlyInAnyOrderEntriesOf(Map.of(COMMITTED, 7L, UNCOMMITTED, 3L));
        // The connector's own committedOffsets(EARLIEST) leaves its marker instead, resolved at a restore.
        assertThat(OffsetsInitializer.committedOffsets()
                        .getPartitionOffsets(List.of(UNCOMMITTED), new Broker())
                        .get(UNCOMMITTED))
                .isNegative();
    }
}
