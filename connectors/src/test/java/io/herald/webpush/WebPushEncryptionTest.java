package io.herald.webpush;

import static io.herald.webpush.Rfc8291Example.AUTH_SECRET;
import static io.herald.webpush.Rfc8291Example.BODY;
import static io.herald.webpush.Rfc8291Example.CIPHERTEXT;
import static io.herald.webpush.Rfc8291Example.ECDH_SECRET;
import static io.herald.webpush.Rfc8291Example.HEADER;
import static io.herald.webpush.Rfc8291Example.PLAINTEXT;
import static io.herald.webpush.Rfc8291Example.RECEIVER_PUBLIC_KEY;
import static io.herald.webpush.Rfc8291Example.SALT;
import static io.herald.webpush.Rfc8291Example.SENDER_PRIVATE_KEY;
import static io.herald.webpush.Rfc8291Example.SENDER_PUBLIC_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Web push encryption reproduces RFC 8291's own example byte for byte, and what it encrypts with
 * fresh keys opens again with the subscription's keys and nothing else.
 */
class WebPushEncryptionTest {
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder FROM_BASE64URL = Base64.getUrlDecoder();

    private static KeyPair rfcSenderKeys() {
        return new KeyPair(
                P256.publicKey(FROM_BASE64URL.decode(SENDER_PUBLIC_KEY)),
                P256.privateKey(FROM_BASE64URL.decode(SENDER_PRIVATE_KEY)));
    }

    @Test
    void reproducesTheBodyOfRfc8291AppendixA() {
        byte[] body = WebPushEncryption.encrypt(
                PLAINTEXT.getBytes(StandardCharsets.US_ASCII),
                SubscriptionKeys.fromBase64Url(RECEIVER_PUBLIC_KEY, AUTH_SECRET),
                rfcSenderKeys(),
                FROM_BASE64URL.decode(SALT));

        assertThat(BASE64URL.encodeToString(Arrays.copyOf(body, 86)))
                .as("header")
                .isEqualTo(HEADER);
        assertThat(BASE64URL.encodeToString(Arrays.copyOfRange(body, 86, body.length)))
                .as("ciphertext")
                .isEqualTo(CIPHERTEXT);
        assertThat(BASE64URL.encodeToString(body)).isEqualTo(BODY);
        assertThat(body).hasSize(PLAINTEXT.length() + 103);
    }

    @Test
    void theSharedSecretIsTheOneAppendixAShows() {
        byte[] secret = P256.sharedSecret(
                P256.privateKey(FROM_BASE64URL.decode(SENDER_PRIVATE_KEY)),
                P256.publicKey(FROM_BASE64URL.decode(RECEIVER_PUBLIC_KEY)));
        assertThat(BASE64URL.encodeToString(secret)).isEqualTo(ECDH_SECRET);
    }

    @Test
    void whatItEncryptsWithFreshKeysOpensWithTheSubscriptionsKeys() throws Exception {
        Random random = new Random(8291);
        for (int length : new int[] {0, 1, 41, 1000, WebPushEncryption.MAX_PLAINTEXT_LENGTH}) {
            WebPushDecryption userAgent = WebPushDecryption.generate();
            byte[] plaintext = new byte[length];
            random.nextBytes(plaintext);

            byte[] body = WebPushEncryption.encrypt(plaintext, userAgent.subscriptionKeys());

            assertThat(body).as("length %d", length).hasSize(length + 103);
            assertThat(userAgent.decrypt(body)).as("length %d", length).isEqualTo(plaintext);
        }
        assertThat(WebPushEncryption.MAX_PLAINTEXT_LENGTH + 103)
                .as("the longest message fills the 4096 bytes every push service takes")
                .isEqualTo(4096);
    }

    @Test
    void everyMessageHasAFreshSaltAndSenderKeyAndTheRecordSizeAndKeyIdOfRfc8291() {
        SubscriptionKeys subscription = WebPushDecryption.generate().subscriptionKeys();
        byte[] message = "same words".getBytes(StandardCharsets.US_ASCII);

        ByteBuffer first = ByteBuffer.wrap(WebPushEncryption.encrypt(message, subscription));
        ByteBuffer second = ByteBuffer.wrap(WebPushEncryption.encrypt(message, subscription));

        for (ByteBuffer body : new ByteBuffer[] {first, second}) {
            assertThat(body.getInt(16)).as("rs").isEqualTo(4096);
            assertThat(body.get(20)).as("idlen").isEqualTo((byte) 65);
            byte[] keyId = Arrays.copyOfRange(body.array(), 21, 86);
            assertThat(P256.publicKey(keyId))
                    .as("keyid is an uncompressed P-256 point")
                    .isNotNull();
        }
        assertThat(Arrays.copyOf(first.array(), 16)).as("salt").isNotEqualTo(Arrays.copyOf(second.array(), 16));
        assertThat(Arrays.copyOfRange(first.array(), 21, 86))
                .as("sender key")
                .isNotEqualTo(Arrays.copyOfRange(second.array(), 21, 86));
    }

    @Test
    void refusesAPlaintextLongerThanOneRecordOfAPushServicesLimit() {
        SubscriptionKeys subscription = WebPushDecryption.generate().subscriptionKeys();
        assertThatThrownBy(() -> WebPushEncryption.encrypt(new byte[3994], subscription))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3993");
    }

    @Test
    void subscriptionKeysThatAreNoP256KeyOrNo16ByteSecretAreRefusedWhenRead() {
        byte[] point = FROM_BASE64URL.decode(RECEIVER_PUBLIC_KEY);
        byte[] offTheCurve = point.clone();
        offTheCurve[64] ^= 1;
        byte[] compressed = Arrays.copyOf(point, 33);
        compressed[0] = 0x03;

        assertThatThrownBy(() -> SubscriptionKeys.of(offTheCurve, new byte[16]))
                .hasMessageContaining("not a point of P-256");
        assertThatThrownBy(() -> SubscriptionKeys.of(compressed, new byte[16])).hasMessageContaining("65 bytes");
        assertThatThrownBy(() -> SubscriptionKeys.of(Arrays.copyOf(point, 64), new byte[16]))
                .hasMessageContaining("65 bytes");
        assertThatThrownBy(() -> SubscriptionKeys.of(point, new byte[15])).hasMessageContaining("16 bytes");
        assertThatThrownBy(() -> SubscriptionKeys.fromBase64Url(RECEIVER_PUBLIC_KEY, "not base64url!"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the subscription's auth secret is not base64url");
        assertThatThrownBy(() -> SubscriptionKeys.fromBase64Url(null, AUTH_SECRET))
                .hasMessageContaining("p256dh key is missing");
    }

    @Test
    void subscriptionKeysReadPaddedOrNotAndNeverShowTheAuthSecret() {
        SubscriptionKeys keys = SubscriptionKeys.fromBase64Url(RECEIVER_PUBLIC_KEY, AUTH_SECRET);
        assertThat(SubscriptionKeys.fromBase64Url(RECEIVER_PUBLIC_KEY + "=", AUTH_SECRET + "=="))
                .isEqualTo(keys);
        assertThat(keys.p256dhBase64Url()).isEqualTo(RECEIVER_PUBLIC_KEY);
        assertThat(keys.authBase64Url()).isEqualTo(AUTH_SECRET);
        assertThat(keys.toString()).contains(RECEIVER_PUBLIC_KEY).doesNotContain(AUTH_SECRET);
    }
}
