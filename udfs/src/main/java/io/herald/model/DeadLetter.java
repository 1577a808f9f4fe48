package io.herald.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.nio.charset.StandardCharsets;

/**
 * An input record Herald could not use, with the reason, as written to the {@code dead-letters}
 * topic. The record itself stays in its topic (topic, partition, offset); its value is copied here
 * too, cut to {@link #MAX_VALUE_BYTES} so that a huge record cannot make a dead letter too large to
 * write.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class DeadLetter {
    /** The most of a record's value a dead letter carries. */
    public static final int MAX_VALUE_BYTES = 64 * 1024;

    public String topic;
    public int partition;
    public long offset;
    public String reason;
    /** The record's value as text (UTF-8, malformed bytes replaced), at most {@link #MAX_VALUE_BYTES} of it. */
    public String value;
    /** The value's size in bytes, when {@link #value} holds only the start of it. */
    public Integer truncatedFrom;

    public DeadLetter() {}

    public static DeadLetter of(RawRecord record, String reason) {
        DeadLetter d = new DeadLetter();
        d.topic = record.topic;
        d.partition = record.partition;
        d.offset = record.offset;
        d.reason = reason;
        if (record.value != null) {
            int n = Math.min(record.value.length, MAX_VALUE_BYTES);
            d.value = new String(record.value, 0, n, StandardCharsets.UTF_8);
            d.truncatedFrom = n < record.value.length ? record.value.length : null;
        }
        return d;
    }
}
