package io.herald.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.sink.TransactionNamingStrategy;
import org.junit.jupiter.api.Test;

class HeraldKafkaTest {
    @Test
    void theSinkNamesTransactionsIncrementinglyAndKeepsThemOpenAtMostFifteenMinutes() throws Exception {
        KafkaSink<OutboundRecord> sink = new HeraldKafka("localhost:9092", Map.of()).sink("herald-test");
        assertThat(field(sink, "transactionNamingStrategy")).isEqualTo(TransactionNamingStrategy.INCREMENTING);
        assertThat(((Properties) field(sink, "kafkaProducerConfig")).getProperty("transaction.timeout.ms"))
                .isEqualTo("900000");
    }

    @Test
    void aDeploymentWhoseBrokersAllowLongerTransactionsCanSaySo() throws Exception {
        Map<String, String> properties = Map.of("transaction.timeout.ms", "3600000");
        KafkaSink<OutboundRecord> sink = new HeraldKafka("localhost:9092", properties).sink("herald-test");
        assertThat(((Properties) field(sink, "kafkaProducerConfig")).getProperty("transaction.timeout.ms"))
                .isEqualTo("3600000");
        assertThat(HeraldKafka.transactionTimeoutMs(properties)).isEqualTo(3_600_000);
    }

    @Test
    void theClusterConfigurationShippedKeepsTransactionsUnderTheirTimeout() {
        Path dir = Path.of("..", "flink-conf");
        assertThat(Files.isRegularFile(dir.resolve("config.yaml"))).isTrue();
        Configuration conf =
                GlobalConfiguration.loadConfiguration(dir.toAbsolutePath().toString());
        long interval = conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL).toMillis();
        long timeout = conf.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT).toMillis();
        long pause =
                conf.get(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS).toMillis();
        int tolerable =
                conf.getOptional(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER).orElse(0);
        assertThat(HeraldKafka.longestOpenTransactionMs(interval, timeout, pause, tolerable))
                .isLessThanOrEqualTo(HeraldKafka.transactionTimeoutMs(Map.of()));
        assertThatCode(() -> HeraldKafka.checkTransactionTimeout(Map.of(), interval, timeout, pause, tolerable))
                .doesNotThrowAnyException();
        // k8s/herald-deployment.yaml: 10 s, a 2 minute timeout, no pause, no failed checkpoint tolerated.
        assertThatCode(() -> HeraldKafka.checkTransactionTimeout(Map.of(), 10_000, 120_000, 0, 0))
                .doesNotThrowAnyException();
        // A job on a MiniCluster (./herald run, the sandbox): Flink's defaults, a 10 minute timeout.
        assertThatCode(() -> HeraldKafka.checkTransactionTimeout(Map.of(), 1_000, 600_000, 0, 0))
                .doesNotThrowAnyException();
    }

    @Test
    void checkpointsThatMayTakeLongerThanTheBrokerWaitsAreRefused() {
        // flink-conf/config.yaml before: a 10 minute timeout, 3 failed checkpoints tolerated, against 10 minutes.
        assertThatThrownBy(() -> HeraldKafka.checkTransactionTimeout(
                        Map.of("transaction.timeout.ms", "600000"), 10_000, 600_000, 2_000, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than transaction.timeout.ms (600,000 ms)");
        assertThatThrownBy(() -> HeraldKafka.checkTransactionTimeout(Map.of(), 10_000, 600_000, 2_000, 3))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> HeraldKafka.checkTransactionTimeout(Map.of(), 10_000, 900_000, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Object field(Object o, String name) throws Exception {
        Field f = o.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }
}
