package io.herald.kafka;

import io.herald.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Streams an uploaded list of user ids (CSV: the user id in the first column, an optional header
 * naming it {@code userId}) into the audiences topic, one row per user, keyed by user. Reads line by
 * line, so a list of any size fits; the producer's own buffer bounds memory and blocks when full.
 */
public final class AudienceUploader {
    private AudienceUploader() {}

    /**
     * @param progress told the bytes read so far, now and then
     * @return the rows written
     */
    public static long upload(
            Path csv,
            String campaignId,
            String bootstrapServers,
            Map<String, String> properties,
            String topic,
            LongConsumer progress)
            throws IOException {
        Properties p = new Properties();
        p.putAll(properties);
        p.put("bootstrap.servers", bootstrapServers);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("linger.ms", "20");
        p.put("compression.type", "lz4");
        long rows = 0;
        long bytes = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p);
                BufferedReader in = Files.newBufferedReader(csv, StandardCharsets.UTF_8)) {
            String line;
            boolean first = true;
            while ((line = in.readLine()) != null) {
                bytes += line.length() + 1;
                String userId = firstColumn(line);
                boolean header = first && userId.equalsIgnoreCase("userId");
                first = false;
                if (userId.isEmpty() || header) {
                    continue;
                }
                byte[] value = Json.bytes(Map.of("campaignId", campaignId, "userId", userId));
                producer.send(new ProducerRecord<>(topic, userId, value));
                if (++rows % 10_000 == 0) {
                    progress.accept(bytes);
                }
            }
            producer.flush();
        }
        progress.accept(bytes);
        return rows;
    }

    private static String firstColumn(String line) {
        int comma = line.indexOf(',');
        String cell = (comma < 0 ? line : line.substring(0, comma)).trim();
        if (cell.length() >= 2 && cell.startsWith("\"") && cell.endsWith("\"")) {
            cell = cell.substring(1, cell.length() - 1).replace("\"\"", "\"");
        }
        return cell;
    }
}
