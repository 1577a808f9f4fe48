package io.herald.serde;

import java.io.Serializable;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Flink's type for a value Herald writes with a hand-made serializer: no reflection per field, no
 * per-class registration, on the hot paths (records to the sink, user state in RocksDB).
 */
public final class CompactType<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    private final Class<T> type;
    private final SerializerFactory<T> serializers;

    /** Makes a type's serializer from the job's serializer configuration. */
    @FunctionalInterface
    public interface SerializerFactory<T> extends Serializable {
        TypeSerializer<T> create(SerializerConfig config);
    }

    /** The type of values that {@code serializer}, which keeps nothing between calls, writes. */
    public CompactType(Class<T> type, CompactSerializer<T> serializer) {
        this(type, config -> serializer);
    }

    /**
     * The type of values whose serializer is made per job: one that hands some of its fields to
     * Flink's own serializers, made with the job's configuration.
     */
    public CompactType(Class<T> type, SerializerFactory<T> serializers) {
        this.type = type;
        this.serializers = serializers;
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return type;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return serializers.create(config);
    }

    @Override
    public String toString() {
        return "Compact<" + type.getSimpleName() + ">";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CompactType && ((CompactType<?>) o).type == type;
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
        return o instanceof CompactType;
    }
}
