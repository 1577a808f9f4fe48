package io.herald.webpush;

import static io.herald.webpush.Rfc8291Example.AUTH_SECRET;
import static io.herald.webpush.Rfc8291Example.BODY;
import static io.herald.webpush.Rfc8291Example.PLAINTEXT;
import static io.herald.webpush.Rfc8291Example.RECEIVER_PRIVATE_KEY;
import static io.herald.webpush.Rfc8291Example.RECEIVER_PUBLIC_KEY;
import static io.herald.webpush.Rfc8291Example.SENDER_PUBLIC_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import org.junit.jupiter.api.Test;

/**
 * The user agent's side, as the sandbox's push service emulator will use it: RFC 8291's body opens to
 * its plaintext with the receiver's keys, and fails with a wrong auth secret, another subscription's
 * key, any changed byte the content coding authenticates, or a record RFC 8291 does not allow.
 */
class WebPushDecryptionTest {
    private static final Base64.Decoder FROM_BASE64URL = Base64.getUrlDecoder();

    private static WebPushDecryption rfcReceiver() {
        return WebPushDecryption.fromBase64Url(RECEIVER_PRIVATE_KEY, RECEIVER_PUBLIC_KEY, AUTH_SECRET);
    }

    @Test
    void theRfc8291BodyOpensToItsPlaintext() throws Exception {
        byte[] plaintext = rfcReceiver().decrypt(FROM_BASE64URL.decode(BODY));
        assertThat(new String(plaintext, StandardCharsets.US_ASCII)).isEqualTo(PLAINTEXT);
    }

    @Test
    void aWrongAuthSecretFailsTheTag() {
        byte[] otherSecret = FROM_BASE64URL.decode(AUTH_SECRET);
        otherSecret[0] ^= 1;
        WebPushDecryption wrongSecret = WebPushDecryption.fromBase64Url(
                RECEIVER_PRIVATE_KEY,
                RECEIVER_PUBLIC_KEY,
                Base64.getUrlEncoder().encodeToString(otherSecret));

        assertThatThrownBy(() -> wrongSecret.decrypt(FROM_BASE64URL.decode(BODY)))
                .isInstanceOf(AEADBadTagException.class);
    }

    @Test
    void anotherSubscriptionsKeysFailTheTag() {
        assertThatThrownBy(() -> WebPushDecryption.generate().decrypt(FROM_BASE64URL.decode(BODY)))
                .isInstanceOf(AEADBadTagException.class);
    }

    /**
     * Every byte but the record size's is authenticated: the salt and the keyid feed the key, the
     * ciphertext has the tag. The record size only says where records end; with one record a larger
     * or slightly smaller one changes nothing (RFC 8291 lets a user agent ignore it), so it is the one
     * field a push service could change unseen.
     */
    @Test
    void anyChangedByteFailsButTheRecordSizes() throws Exception {
        byte[] body = FROM_BASE64URL.decode(BODY);
        WebPushDecryption receiver = rfcReceiver();
        for (int i = 0; i < body.length; i++) {
            byte[] tampered = body.clone();
            tampered[i] ^= 0x01;
            if (i >= 16 && i < 20) {
                assertThat(receiver.decrypt(tampered)).as("rs byte %d", i).hasSize(PLAINTEXT.length());
            } else {
                int at = i;
                assertThatThrownBy(() -> receiver.decrypt(tampered))
                        .as("byte %d", at)
                        .isInstanceOf(GeneralSecurityException.class);
            }
        }
    }

    @Test
    void aCutBodyFails() {
        byte[] body = FROM_BASE64URL.decode(BODY);
        WebPushDecryption receiver = rfcReceiver();
        assertThatThrownBy(() -> receiver.decrypt(Arrays.copyOf(body, body.length - 1)))
                .isInstanceOf(AEADBadTagException.class);
        assertThatThrownBy(() -> receiver.decrypt(Arrays.copyOf(body, 102)))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("at least 103 bytes");
    }

    @Test
    void aBodyOfMoreThanOneRecordIsRefused() {
        byte[] body = FROM_BASE64URL.decode(BODY);
        ByteBuffer.wrap(body).putInt(16, 18); // 58 bytes of ciphertext cannot be one record of 18
        assertThatThrownBy(() -> rfcReceiver().decrypt(body))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("one record");
    }

    @Test
    void theContentMustEndWithDelimiter2ThenOnlyZeros() throws Exception {
        WebPushDecryption userAgent = WebPushDecryption.generate();
        byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);

        assertThat(userAgent.decrypt(sealed(userAgent, hello, 0x02, 0, 0, 0)))
                .as("padding zeros after the delimiter")
                .isEqualTo(hello);
        assertThatThrownBy(() -> userAgent.decrypt(sealed(userAgent, hello, 0x01)))
                .as("0x01 ends a record that is not the last: web push has one")
                .hasMessageContaining("delimiter 0x02");
        assertThatThrownBy(() -> userAgent.decrypt(sealed(userAgent, hello, 0x02, 0, 7)))
                .hasMessageContaining("delimiter 0x02");
        assertThatThrownBy(() -> userAgent.decrypt(sealed(userAgent, new byte[0], 0, 0)))
                .hasMessageContaining("delimiter 0x02");
    }

    @Test
    void aKeyIdOffTheCurveIsRefusedBeforeAnyKeyAgreement() {
        byte[] body = FROM_BASE64URL.decode(BODY);
        body[85] ^= 1; // the last byte of the sender key's y
        assertThatThrownBy(() -> rfcReceiver().decrypt(body))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("not a point of P-256");
    }

    @Test
    void knownKeysMustBeOnePair() {
        assertThatThrownBy(() -> WebPushDecryption.fromBase64Url(RECEIVER_PRIVATE_KEY, SENDER_PUBLIC_KEY, AUTH_SECRET))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not one pair");
    }

    @Test
    void itsNameShowsThePublicKeyOnly() {
        assertThat(rfcReceiver().toString())
                .contains(RECEIVER_PUBLIC_KEY)
                .doesNotContain(RECEIVER_PRIVATE_KEY)
                .doesNotContain(AUTH_SECRET);
    }

    /** A body whose one record holds {@code plaintext} then {@code tail} as given, sealed for {@code to}. */
    private static byte[] sealed(WebPushDecryption to, byte[] plaintext, int... tail) {
        SubscriptionKeys subscription = to.subscriptionKeys();
        KeyPair sender = P256.generateKeyPair(new SecureRandom());
        byte[] senderPublic = P256.uncompressed((ECPublicKey) sender.getPublic());
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        Aes128GcmRecord record = Aes128GcmRecord.derive(
                P256.sharedSecret((ECPrivateKey) sender.getPrivate(), subscription.publicKey()),
                subscription.authSecret(),
                subscription.p256dh(),
                senderPublic,
                salt);
        byte[] content = Arrays.copyOf(plaintext, plaintext.length + tail.length);
        for (int i = 0; i < tail.length; i++) {
            content[plaintext.length + i] = (byte) tail[i];
        }
        byte[] ciphertext = record.seal(content);
        ByteBuffer body = ByteBuffer.allocate(86 + ciphertext.length);
        Aes128GcmRecord.writeHeader(body, salt, 4096, senderPublic);
        return body.put(ciphertext).array();
    }
}
