package io.herald.model;

import java.util.Objects;

/**
 * One custom attribute of a user (a string, a number or a boolean) with the version of the event
 * that set it, so that attributes merge last-writer-wins.
 */
public class AttributeValue {
    public String text;
    public Double number;
    public Boolean flag;
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

    /** The value as a Java object: a String, a Long for whole numbers, a Double, or a Boolean. */
    public Object value() {
        if (number != null) {
            double d = number;
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? (Object) (long) d : (Object) d;
        }
        return flag != null ? flag : text;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AttributeValue)) {
            return false;
        }
        AttributeValue a = (AttributeValue) o;
        return version == a.version && Objects.equals(text, a.text) && Objects.equals(number, a.number)
                && Objects.equals(flag, a.flag);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text, number, flag, version);
    }

    @Override
    public String toString() {
        return value() + "@" + version;
    }
}
