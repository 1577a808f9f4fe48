package io.herald.serde;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The skeleton of a hand-made serializer for values read often: a header (a version, say), the
 * length of the body, then the body. A read takes the body in one copy and decodes it from an array
 * ({@link BytesReader}), where reading through Flink's input view costs a call per byte. Copies go
 * through the bytes: deep, and right by construction.
 */
public abstract class BodySerializer<T> extends CompactSerializer<T> {
    private static final long serialVersionUID = 1L;

    /** Writes the value's fields. */
    protected abstract void writeBody(T value, DataOutputView out) throws IOException;

    /** Reads what {@link #writeBody} wrote, in the encoding {@link #readHeader} read (0 without a header). */
    protected abstract T readBody(BytesReader in, int encoding) throws IOException;

    /** Writes what comes before the body's length; nothing unless a subclass says so. */
    protected void writeHeader(DataOutputView out) throws IOException {}

    /** Reads, and checks, what {@link #writeHeader} wrote; returns the body's encoding, 0 if there is none. */
    protected int readHeader(DataInputView in) throws IOException {
        return 0;
    }

    /** What a value is, for errors. */
    protected abstract String what();

    @Override
    public T copy(T from) {
        try {
            DataOutputSerializer out = new DataOutputSerializer(256);
            serialize(from, out);
            return deserialize(new DataInputDeserializer(out.getSharedBuffer(), 0, out.length()));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void serialize(T value, DataOutputView out) throws IOException {
        DataOutputSerializer body = new DataOutputSerializer(128);
        writeBody(value, body);
        writeHeader(out);
        writeVarInt(body.length(), out);
        out.write(body.getSharedBuffer(), 0, body.length());
    }

    @Override
    public T deserialize(DataInputView in) throws IOException {
        int encoding = readHeader(in);
        byte[] body = new byte[readVarInt(in)];
        in.readFully(body);
        BytesReader r = new BytesReader(body);
        T value = readBody(r, encoding);
        if (!r.atEnd()) {
            throw new IOException(what() + " has bytes after its last field");
        }
        return value;
    }
}
