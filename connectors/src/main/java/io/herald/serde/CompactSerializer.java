package io.herald.serde;

import io.herald.model.Texts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * The skeleton of Herald's hand-made serializers: stateless, for mutable values, of variable length.
 * A subclass writes and reads its fields; copies go through them too. Helpers write what recurs:
 * nullable strings, nullable byte arrays, and versions as variable-length numbers.
 */
public abstract class CompactSerializer<T> extends TypeSerializerSingleton<T> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public T deserialize(T reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    /** A string or null (Flink's own encoding: a length, then the characters). */
    protected static void writeString(String s, DataOutputView out) throws IOException {
        StringValue.writeString(s, out);
    }

    protected static String readString(DataInputView in) throws IOException {
        return StringValue.readString(in);
    }

    /**
     * A string or null as UTF-8: its length in bytes plus one (0 for null), then the bytes. Read back
     * by {@link BytesReader#readUtf8}.
     */
    protected static void writeUtf8(String s, DataOutputView out) throws IOException {
        if (s == null) {
            writeVarInt(0, out);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeVarInt(b.length + 1, out);
        out.write(b);
    }

    /**
     * A string or null, whatever it holds: as {@link #writeUtf8} when it is well-formed UTF-16, else
     * (half a character, a lone surrogate, which no UTF-8 holds) its negated length in characters
     * minus one, then each character in two bytes. For strings a stage computes a key from again
     * after a shuffle: a '?' in place of the half character would be another key. Read back by
     * {@link BytesReader#readText}.
     */
    protected static void writeText(String s, DataOutputView out) throws IOException {
        if (s == null || Texts.loneSurrogateAt(s) < 0) {
            writeUtf8(s, out);
            return;
        }
        writeVarLong(-(s.length() + 1L), out);
        for (int i = 0; i < s.length(); i++) {
            out.writeChar(s.charAt(i));
        }
    }

    /** Bytes or null: a length (-1 for null), then the bytes. */
    protected static void writeBytes(byte[] b, DataOutputView out) throws IOException {
        if (b == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(b.length);
            out.write(b);
        }
    }

    protected static byte[] readBytes(DataInputView in) throws IOException {
        int n = in.readInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return b;
    }

    /**
     * A long, zig-zag and 7 bits a byte, plus one: {@code Long.MIN_VALUE} (Herald's "never") takes
     * one byte, a millisecond timestamp six.
     */
    protected static void writeVarLong(long v, DataOutputView out) throws IOException {
        long u = ((v << 1) ^ (v >> 63)) + 1;
        while ((u & ~0x7FL) != 0) {
            out.writeByte((int) ((u & 0x7F) | 0x80));
            u >>>= 7;
        }
        out.writeByte((int) u);
    }

    protected static long readVarLong(DataInputView in) throws IOException {
        long u = 0;
        int shift = 0;
        while (true) {
            int b = in.readUnsignedByte();
            u |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
            if (shift > 63) {
                throw new IOException("variable-length number longer than 10 bytes");
            }
        }
        long z = u - 1;
        return (z >>> 1) ^ -(z & 1);
    }

    protected static void writeVarInt(int n, DataOutputView out) throws IOException {
        writeVarLong(n, out);
    }

    protected static int readVarInt(DataInputView in) throws IOException {
        long n = readVarLong(in);
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new IOException("count out of range: " + n);
        }
        return (int) n;
    }
}
