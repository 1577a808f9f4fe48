package io.herald.webpush;

/**
 * The worked example of RFC 8291 (section 5, "Push Message Encryption Example", and Appendix A,
 * "Intermediate Values for Encryption"), as the RFC prints it: base64url, the line breaks it adds for
 * presentation joined again, nothing else changed.
 */
final class Rfc8291Example {
    static final String PLAINTEXT = "When I grow up, I want to be a watermelon";

    static final String AUTH_SECRET = "BTBZMqHH6r4Tts7J_aSIgg";
    static final String RECEIVER_PRIVATE_KEY = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
    static final String RECEIVER_PUBLIC_KEY =
            "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcx" + "aOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
    static final String SENDER_PRIVATE_KEY = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
    static final String SENDER_PUBLIC_KEY =
            "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIg" + "Dll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
    static final String SALT = "DGv6ra1nlYgDCS1FRnbzlw";

    /** Appendix A: the shared ECDH secret. */
    static final String ECDH_SECRET = "kyrL1jIIOHEzg3sM2ZWRHDRB62YACZhhSlknJ672kSs";
    /** Appendix A: the 86-byte header (salt, rs 4096, idlen 65, the sender's public key). */
    static final String HEADER = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z" + "9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
            + "mlMoZIIgDll6e3vCYLocInmYWAmS6Tlz" + "AC8wEqKK6PBru3jl7A8";
    /** Appendix A: the ciphertext of the plaintext and its delimiter, the tag included. */
    static final String CIPHERTEXT =
            "8pfeW0KbunFT06SuDKoJH9Ql87S1QUrd" + "irN6GcG7sFz1y1sqLgVi1VhjVkHsUoEs" + "bI_0LpXMuGvnzQ";
    /**
     * Section 5: the request body, 144 bytes (86 + 41 + 1 + 16; the example's request says {@code
     * Content-Length: 145}, one more than its body holds).
     */
    static final String BODY = "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
            + "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"
            + "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN";

    private Rfc8291Example() {}
}
