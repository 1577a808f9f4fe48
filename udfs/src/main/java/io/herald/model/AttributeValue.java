package io.herald.model;

import java.util.Date;
import java.util.Objects;

/**
 * One custom attribute of a user (a string, a number, a boolean or a timestamp) with the version of
 * the event that set it, so that attributes merge last-writer-wins one by one. A removed attribute
 * stays as a tombstone ({@link #removed}) so that an older set arriving late cannot bring it back.
 */
public class AttributeValue {
    public String text;
    public Double number;
    public Boolean flag;
    /** A timestamp attribute, epoch milliseconds. */
    public Long timestamp;

    public boolean removed;
    public long version;

    public AttributeValue() {}

    /** Wraps a JSON scalar (String, Number or Boolean) set at {@code version}. */
    public static AttributeValue of(Object value, long version) {
        AttributeValue v = new AttributeValue();
        if (value instanceof Number) {
            v.number = ((Number) value).doubleValue();
        } else if (value instanceof Boolean) {
            v.flag = (Boolean) value;
        } else {
            v.text = String.valueOf(value);
        }
        v.version = version;
        return v;
    }

    public static AttributeValue timestamp(long epochMillis, long version) {
        AttributeValue v = new AttributeValue();
        v.timestamp = epochMillis;
        v.version = version;
        return v;
    }

    public static AttributeValue tombstone(long version) {
        AttributeValue v = new AttributeValue();
        v.removed = true;
        v.version = version;
        return v;
    }

    /** The value as a Java object: a String, a Long for whole numbers, a Double, a Boolean, a java.util.Date, or null if removed. */
    public Object value() {
        if (removed) {
            return null;
        }
        if (number != null) {
            double d = number;
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d;
        }
        if (timestamp != null) {
            return new Date(timestamp);
        }
        return flag != null ? flag : text;
    }

    /**
     * Whether this value beats {@code other} in a last-writer-wins merge: the newer version wins; at
     * equal versions a tombstone wins, then the greater canonical form, so every replica agrees.
     */
    public boolean beats(AttributeValue other) {
        if (other == null || version != other.version) {
            return other == null || version > other.version;
        }
        if (removed != other.removed) {
            return removed;
        }
        return canonical().compareTo(other.canonical()) > 0;
    }

    private String canonical() {
        return (removed ? "r" : "") + "|" + text + "|" + number + "|" + flag + "|" + timestamp;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AttributeValue)) {
            return false;
        }
        AttributeValue a = (AttributeValue) o;
        return version == a.version
                && removed == a.removed
                && Objects.equals(text, a.text)
                && Objects.equals(number, a.number)
                && Objects.equals(flag, a.flag)
                && Objects.equals(timestamp, a.timestamp);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text, number, flag, timestamp, removed, version);
    }

    @Override
    public String toString() {
        return (removed ? "<removed>" : String.valueOf(value())) + "@" + version;
    }
}
