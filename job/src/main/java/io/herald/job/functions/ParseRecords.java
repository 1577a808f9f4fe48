package io.herald.job.functions;

import io.herald.json.InputCodec;
import io.herald.json.Parsed;
import io.herald.model.DeadLetter;
import io.herald.model.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Parses the raw records of one input topic. A record that cannot be used goes, with the reason, to
 * the {@link Descriptors#DEAD_LETTERS} side output; the job goes on.
 */
public final class ParseRecords<T> extends ProcessFunction<RawRecord, T> implements ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;

    private final InputCodec<T> codec;
    private final TypeInformation<T> type;

    /** Parses with {@code codec} into values of Flink's {@code type}. */
    public ParseRecords(InputCodec<T> codec, TypeInformation<T> type) {
        this.codec = codec;
        this.type = type;
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<T> out) {
        Parsed<T> parsed;
        try {
            parsed = codec.parse(record);
        } catch (RuntimeException e) {
            parsed = Parsed.error("unparseable: " + e.getClass().getSimpleName());
        }
        if (parsed.isOk()) {
            out.collect(parsed.value());
        } else {
            ctx.output(Descriptors.DEAD_LETTERS, DeadLetter.of(record, parsed.error()));
        }
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return type;
    }
}
