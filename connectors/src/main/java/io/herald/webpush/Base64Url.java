package io.herald.webpush;

import java.util.Base64;

/**
 * Base64url as web push writes it (RFC 4648 section 5): keys, secrets and tokens are written without
 * padding; they are read with or without it, as subscriptions come from browsers and libraries that
 * differ on it.
 */
final class Base64Url {
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private Base64Url() {}

    static String encode(byte[] bytes) {
        return ENCODER.encodeToString(bytes);
    }

    /**
     * @param what what the value is, for the message if it is not base64url (the value itself is
     *     never in the message: it may be a secret)
     * @throws IllegalArgumentException if {@code text} is null or not base64url
     */
    static byte[] decode(String text, String what) {
        if (text == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        try {
            return DECODER.decode(text.strip());
        } catch (IllegalArgumentException e) {
            // Not chained: the JDK's message quotes the offending character of what may be a secret.
            throw new IllegalArgumentException(what + " is not base64url");
        }
    }
}
