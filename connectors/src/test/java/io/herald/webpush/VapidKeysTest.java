package io.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VAPID keys are read as web push libraries write them (the private key's base64url alone in a file,
 * the public key from the configuration), checked to be one pair, and never shown.
 */
class VapidKeysTest {
    // Any valid P-256 pair serves: RFC 8291's example sender pair, in the form web-push prints keys.
    private static final String PRIVATE_KEY = Rfc8291Example.SENDER_PRIVATE_KEY;
    private static final String PUBLIC_KEY = Rfc8291Example.SENDER_PUBLIC_KEY;

    @TempDir
    Path dir;

    @Test
    void readsThePrivateKeyFromAFileAsWebPushLibrariesWriteIt() throws Exception {
        Path file = dir.resolve("vapid-private.key");
        Files.writeString(file, "  " + PRIVATE_KEY + "\n", StandardCharsets.US_ASCII);

        VapidKeys keys = VapidKeys.read(file, PUBLIC_KEY);

        assertThat(keys.publicKeyBase64Url()).isEqualTo(PUBLIC_KEY);
        assertThat(P256.scalar(keys.privateKey())).isEqualTo(Base64Url.decode(PRIVATE_KEY, "key"));
    }

    @Test
    void aPairItWritesItReadsBackFromAFileOnlyItsOwnerReads() throws Exception {
        VapidKeys generated = VapidKeys.generate();
        Path file = dir.resolve("vapid-private.key");

        generated.writePrivateKey(file);
        VapidKeys read = VapidKeys.read(file, generated.publicKeyBase64Url());

        assertThat(read.publicKey()).isEqualTo(generated.publicKey());
        assertThat(read.privateKey().getS()).isEqualTo(generated.privateKey().getS());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
    }

    @Test
    void aPublicKeyThatIsNotThePrivateKeysPairIsRefused() throws Exception {
        Path file = dir.resolve("vapid-private.key");
        Files.writeString(file, PRIVATE_KEY);

        assertThatThrownBy(() -> VapidKeys.read(file, Rfc8291Example.RECEIVER_PUBLIC_KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not the pair")
                .hasMessageContaining(file.toString())
                .hasMessageNotContaining(PRIVATE_KEY);
    }

    @Test
    void aPemFileIsRefusedWithWhereToLookForTheConversion() throws Exception {
        Path file = dir.resolve("vapid.pem");
        Files.writeString(
                file, "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEH\n-----END PRIVATE KEY-----\n");

        assertThatThrownBy(() -> VapidKeys.read(file, PUBLIC_KEY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PEM")
                .hasMessageContaining("io.herald.webpush.VapidKeys");
    }

    @Test
    void aMalformedKeyIsRefusedWithoutQuotingIt() throws Exception {
        Path shortKey = dir.resolve("short.key");
        String thirtyOneBytes = PRIVATE_KEY.substring(0, 42);
        Files.writeString(shortKey, thirtyOneBytes);
        Path notBase64 = dir.resolve("not-base64.key");
        String withPlusAndSlash = "yfWPiYE+n46HLnH0KqZOF1fJJU3MYrct3AELtAQ/oRw";
        Files.writeString(notBase64, withPlusAndSlash);

        assertThatThrownBy(() -> VapidKeys.read(shortKey, PUBLIC_KEY))
                .hasMessageContaining("32 bytes")
                .hasMessageNotContaining(thirtyOneBytes);
        assertThatThrownBy(() -> VapidKeys.read(notBase64, PUBLIC_KEY))
                .hasMessageContaining("not base64url")
                .hasMessageNotContaining(withPlusAndSlash);
        assertThatThrownBy(() -> VapidKeys.fromBase64Url(PRIVATE_KEY, PUBLIC_KEY.substring(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void itsNameShowsThePublicKeyAndNeverThePrivateOne() {
        VapidKeys keys = VapidKeys.fromBase64Url(PRIVATE_KEY, PUBLIC_KEY);
        assertThat(keys.toString()).contains(PUBLIC_KEY).doesNotContain(PRIVATE_KEY);
        assertThat(keys.toString()).doesNotContain(keys.privateKey().getS().toString());
    }
}
