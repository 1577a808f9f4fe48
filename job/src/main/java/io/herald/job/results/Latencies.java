package io.herald.job.results;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * Fire-to-ack latencies as an HdrHistogram: two significant digits at any size (so a quantile is
 * within 1% of the latency it stands for), resized as latencies grow (a paused notification's may
 * be hours), and carried between operators and in state in its compressed encoding.
 */
final class Latencies {
    private static final int SIGNIFICANT_DIGITS = 2;

    private Latencies() {}

    /** An empty histogram that grows as it needs to. */
    static Histogram empty() {
        Histogram h = new Histogram(SIGNIFICANT_DIGITS);
        h.setAutoResize(true);
        return h;
    }

    /** {@code h} in the compressed encoding. */
    static byte[] encode(Histogram h) {
        ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buffer);
        return Arrays.copyOf(buffer.array(), length);
    }

    /** What {@link #encode} wrote, ready to add to; empty for null. */
    static Histogram decode(byte[] encoded) {
        if (encoded == null) {
            return empty();
        }
        try {
            Histogram h = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(encoded), 0);
            h.setAutoResize(true);
            return h;
        } catch (DataFormatException e) {
            throw new IllegalStateException("a latency histogram that does not decode", e);
        }
    }

    /** p50, p90, p99 and max, in ms; empty when nothing was recorded. */
    static Map<String, Long> quantiles(Histogram h) {
        Map<String, Long> q = new LinkedHashMap<>();
        if (h.getTotalCount() == 0) {
            return q;
        }
        q.put("p50", h.getValueAtPercentile(50));
        q.put("p90", h.getValueAtPercentile(90));
        q.put("p99", h.getValueAtPercentile(99));
        q.put("max", h.getMaxValue());
        return q;
    }
}
