package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.kafka.AnswerLog;
import io.herald.model.Answer;
import io.herald.model.Outcome;
import io.herald.sandbox.EmbeddedKafka;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The answers topic on a real broker: answers appended from several threads at once (as the
 * providers' event loops, the timeouts and the task thread do) are each on record once, in fewer
 * records than answers, and each append's callback runs once, after its answer is on record.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class AnswerLogIT {
    @TempDir
    Path dir;

    @Test
    void answersFromManyThreadsAreEachOnRecordOnce_gatheredIntoFewerRecords() throws Exception {
        int threads = 4;
        int perThread = 2_500;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            kafka.createTopics(Map.of("answers", 2));
            AnswerLog log = new AnswerLog(kafka.bootstrapServers(), "answers", Map.of());
            Map<String, AtomicInteger> callbacks = new ConcurrentHashMap<>();
            CountDownLatch allRecorded = new CountDownLatch(threads * perThread);
            try (AnswerLog.Writer writer = log.writer("answers-it")) {
                List<Thread> appenders = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    appenders.add(new Thread(() -> {
                        for (int i = 0; i < perThread; i++) {
                            Answer a = new Answer();
                            a.notificationId = "c1/device-" + thread + "-" + i;
                            a.campaignId = "c1";
                            a.userId = "user-" + thread + "-" + i;
                            a.outcome = i % 10 == 0 ? Outcome.TOKEN_DEAD : Outcome.DELIVERED;
                            a.providerStatus = i % 10 == 0 ? 410 : 200;
                            a.reason = i % 10 == 0 ? "Unregistered" : null;
                            a.attempts = 1;
                            a.ackAt = System.currentTimeMillis();
                            writer.append(a, () -> {
                                callbacks
                                        .computeIfAbsent(a.notificationId, id -> new AtomicInteger())
                                        .incrementAndGet();
                                allRecorded.countDown();
                            });
                        }
                    }));
                }
                appenders.forEach(Thread::start);
                for (Thread t : appenders) {
                    t.join();
                }
                assertThat(allRecorded.await(60, TimeUnit.SECONDS)).isTrue();
                assertThat(writer.pending()).isZero();
            }
            assertThat(callbacks).hasSize(threads * perThread);
            assertThat(callbacks.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));

            Map<String, Answer> onRecord = log.read(0, a -> true);
            assertThat(onRecord).hasSize(threads * perThread);
            assertThat(onRecord.get("c1/device-2-10").outcome).isEqualTo(Outcome.TOKEN_DEAD);
            assertThat(onRecord.get("c1/device-2-10").reason).isEqualTo("Unregistered");
            assertThat(onRecord.get("c1/device-3-11").userId).isEqualTo("user-3-11");

            long records = 0;
            try (Admin admin = kafka.admin()) {
                Map<TopicPartition, OffsetSpec> ends = Map.of(
                        new TopicPartition("answers", 0),
                        OffsetSpec.latest(),
                        new TopicPartition("answers", 1),
                        OffsetSpec.latest());
                for (var e :
                        admin.listOffsets(ends).all().get(30, TimeUnit.SECONDS).values()) {
                    records += e.offset();
                }
            }
            assertThat(records).isPositive().isLessThan(threads * perThread / 2);
        }
    }
}
