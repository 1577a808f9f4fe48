package io.herald.model;

/** An input record Herald could not use, with the reason, as written to the {@code dead-letters} topic. */
public class DeadLetter {
    public String topic;
    public int partition;
    public long offset;
    public String reason;
    /** The record's value as text (UTF-8, malformed bytes replaced). */
    public String value;

    public DeadLetter() {}

    public static DeadLetter of(RawRecord record, String reason) {
        DeadLetter d = new DeadLetter();
        d.topic = record.topic;
        d.partition = record.partition;
        d.offset = record.offset;
        d.reason = reason;
        d.value = record.value == null ? null : new String(record.value, java.nio.charset.StandardCharsets.UTF_8);
        return d;
    }
}
