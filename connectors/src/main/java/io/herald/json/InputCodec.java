package io.herald.json;

import io.herald.model.RawRecord;
import java.io.Serializable;

/** Parses one record of an input topic; never throws. */
@FunctionalInterface
public interface InputCodec<T> extends Serializable {
    Parsed<T> parse(RawRecord record);
}
