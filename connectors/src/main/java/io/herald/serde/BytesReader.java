package io.herald.serde;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads Herald's compact encodings from a byte array. A {@code DataInputView} costs a virtual call
 * and a bounds check per byte, and Flink's string reader a thread-local look-up per string; a walk
 * reads every user's value this way, so the hot state reads one array with a cursor instead.
 * Running past the end is an {@link IOException}, never a wrong value.
 */
public final class BytesReader {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.ISO_8859_1);

    private final byte[] bytes;
    private final int end;
    private int position;

    public BytesReader(byte[] bytes) {
        this.bytes = bytes;
        this.end = bytes.length;
    }

    private void need(int n) throws IOException {
        if (n > end - position) {
            throw new IOException("value ends " + (n - (end - position)) + " bytes early, at byte " + position);
        }
    }

    /** Whether every byte was read. */
    public boolean atEnd() {
        return position == end;
    }

    public int readUnsignedByte() throws IOException {
        need(1);
        return bytes[position++] & 0xFF;
    }

    public int readByte() throws IOException {
        need(1);
        return bytes[position++];
    }

    public int readUnsignedShort() throws IOException {
        need(2);
        int v = (bytes[position] & 0xFF) << 8 | bytes[position + 1] & 0xFF;
        position += 2;
        return v;
    }

    public double readDouble() throws IOException {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | bytes[position + i] & 0xFF;
        }
        position += 8;
        return Double.longBitsToDouble(v);
    }

    /** A number written by {@link CompactSerializer#writeVarLong}. */
    public long readVarLong() throws IOException {
        long u = 0;
        int shift = 0;
        while (true) {
            need(1);
            int b = bytes[position++];
            u |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                break;
            }
            shift += 7;
            if (shift > 63) {
                throw new IOException("variable-length number longer than 10 bytes, at byte " + position);
            }
        }
        long z = u - 1;
        return (z >>> 1) ^ -(z & 1);
    }

    /** A count written by {@link CompactSerializer#writeVarInt}. */
    public int readVarInt() throws IOException {
        long n = readVarLong();
        if (n < 0 || n > Integer.MAX_VALUE) {
            throw new IOException("count out of range: " + n);
        }
        return (int) n;
    }

    /** A string or null written by {@link CompactSerializer#writeUtf8}. */
    public String readUtf8() throws IOException {
        return utf8(readVarInt());
    }

    /** The string of a length {@code n} as {@link CompactSerializer#writeUtf8} writes it. */
    private String utf8(int n) throws IOException {
        if (n == 0) {
            return null;
        }
        need(n - 1);
        String s = new String(bytes, position, n - 1, StandardCharsets.UTF_8);
        position += n - 1;
        return s;
    }

    /** A string or null written by {@link CompactSerializer#writeText}. */
    public String readText() throws IOException {
        long n = readVarLong();
        if (n >= 0) {
            if (n > Integer.MAX_VALUE) {
                throw new IOException("count out of range: " + n);
            }
            return utf8((int) n);
        }
        long chars = -n - 1;
        if (chars > (end - position) / 2) {
            throw new IOException("text of " + chars + " characters ends early, at byte " + position);
        }
        char[] text = new char[(int) chars];
        for (int i = 0; i < text.length; i++) {
            text[i] = (char) ((bytes[position] & 0xFF) << 8 | bytes[position + 1] & 0xFF);
            position += 2;
        }
        return new String(text);
    }

    /** {@code n} bytes as {@code 2n} lowercase hex digits. */
    public String readHex(int n) throws IOException {
        need(n);
        byte[] digits = new byte[2 * n];
        for (int i = 0; i < n; i++) {
            int b = bytes[position + i];
            digits[2 * i] = HEX[(b >> 4) & 0xF];
            digits[2 * i + 1] = HEX[b & 0xF];
        }
        position += n;
        return new String(digits, StandardCharsets.ISO_8859_1);
    }
}
