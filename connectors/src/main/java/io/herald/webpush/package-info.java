/**
 * Web push: its cryptography, apart from any transport: the encrypted body of a push message (RFC 8291
 * over RFC 8188's {@code aes128gcm}: {@link io.herald.webpush.WebPushEncryption}, for the keys of a
 * subscription, {@link io.herald.webpush.SubscriptionKeys}), the VAPID identification of the sender
 * (RFC 8292: {@link io.herald.webpush.VapidKeys}, {@link io.herald.webpush.VapidTokens}), and the user
 * agent's side, {@link io.herald.webpush.WebPushDecryption}, for tests and the sandbox's push service
 * emulator; and the provider that sends what these make over Herald's own HTTP/2 client (RFC 8030),
 * {@link io.herald.webpush.WebPushProvider}, configured per app by {@link io.herald.webpush.WebPushApp}.
 * Only the provider opens connections.
 *
 * <p><b>Built on the JDK, not on a web push library.</b> {@code com.interaso:webpush} 1.3.0 was
 * weighed (its jar and source read): it does build the body and the headers apart from sending
 * ({@code WebPush.getBody}, {@code getHeaders}), which our HTTP/2 client would need, and it is
 * maintained (releases into 2026). But its body draws its ephemeral key pair and salt inside the
 * call, with no way to give them, so RFC 8291's example cannot be reproduced with it, only round
 * trips through a decryption we would write anyway (it has none, and the emulator needs one); its
 * token takes the system clock and is signed anew on every call, so the per-origin cache and its
 * tests would be ours too; each salt comes from {@code SecureRandom.getSeed}, the seed generator,
 * once per message; and it brings the Kotlin standard library (kotlin-stdlib 2.3.0, 1.8 MB beside
 * its own 24 KB; no other part of Herald uses Kotlin) into the job's jar. What it does is a hundred
 * lines over the very JDK calls used here ({@code KeyPairGenerator} and {@code KeyAgreement} ECDH on
 * secp256r1, {@code Mac} HmacSHA256 for HKDF, {@code Cipher} AES/GCM/NoPadding, {@code Signature}
 * ECDSA with SHA-256): written here, they are checked against the RFC's vectors, take their keys and
 * salt from a test, and cost no dependency. Its cost per message would be ours too: the two P-256
 * scalar multiplications are nearly all of it (see {@link io.herald.webpush.WebPushEncryption}).
 *
 * <p>Secrets (an auth secret, a private key, a signed token) are never in a {@code toString} or an
 * exception's message.
 */
package io.herald.webpush;
