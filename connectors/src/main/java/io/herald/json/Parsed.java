package io.herald.json;

/** The result of parsing one input record: a value, or the reason it was refused. */
public final class Parsed<T> {
    private final T value;
    private final String error;

    private Parsed(T value, String error) {
        this.value = value;
        this.error = error;
    }

    public static <T> Parsed<T> ok(T value) {
        return new Parsed<>(value, null);
    }

    public static <T> Parsed<T> error(String reason) {
        return new Parsed<>(null, reason);
    }

    public boolean isOk() {
        return error == null;
    }

    public T value() {
        return value;
    }

    public String error() {
        return error;
    }
}
