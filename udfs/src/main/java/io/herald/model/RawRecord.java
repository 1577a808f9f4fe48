package io.herald.model;

import io.herald.auth.ControlSignature;

/** A Kafka record as it arrived, not yet parsed: parsing happens in the dataflow so failures become dead letters. */
public class RawRecord {
    public String topic;
    public int partition;
    public long offset;
    public long timestamp;
    public byte[] value;
    /** The record's Kafka key, for a signed record's check; null when it has none or it is not needed. */
    public byte[] key;
    /** The signature its headers carry (campaigns topic), or null. */
    public ControlSignature signature;
    /** Set by the signature's check: who signed it, if it verified. */
    public SignedBy signedBy;
    /** Set by the signature's check: why the signature it carries is refused, or null. */
    public String signatureRefusal;

    public RawRecord() {}

    public RawRecord(String topic, int partition, long offset, long timestamp, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.value = value;
    }
}
