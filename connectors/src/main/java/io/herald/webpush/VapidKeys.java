package io.herald.webpush;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;

/**
 * An application server's VAPID key pair (RFC 8292): P-256, the private half signing the tokens that
 * identify Herald to push services, the public half being the {@code applicationServerKey} the app's
 * pages passed to {@code pushManager.subscribe}. Every subscription is bound to that public key, so
 * Herald must sign with the pair the app already has; it reads it as web push libraries write it
 * (web-push's {@code generate-vapid-keys}, and most others): two base64url strings, the public key
 * uncompressed (65 bytes) and the private key as its raw 32-byte scalar.
 *
 * <p>The private key is read from a file holding only that string (surrounding whitespace allowed),
 * so that the job graph and the configuration carry a path, never the key. The public key, which is
 * no secret, comes with it (from the configuration) and is checked against it: a mismatch would have
 * every push service refuse every token, so it is refused here instead. A PEM key (PKCS#8 or SEC1)
 * converts to the raw form with {@code openssl ec -in key.pem -outform DER | tail -c +8 | head -c 32
 * | basenc --base64url -w0 | tr -d '='} (P-256's SEC1 DER puts the scalar after 7 bytes of header),
 * and its public key with {@code openssl ec -in key.pem -pubout -outform DER | tail -c 65 | basenc
 * --base64url -w0 | tr -d '='}.
 *
 * <p>Immutable. The private key is never in {@link #toString} nor in any message.
 */
public final class VapidKeys {
    private final ECPrivateKey privateKey;
    private final ECPublicKey publicKey;
    private final String publicKeyBase64Url;

    private VapidKeys(ECPrivateKey privateKey, ECPublicKey publicKey) {
        if (!P256.arePair(privateKey, publicKey)) {
            throw new IllegalArgumentException("the VAPID private key is not the pair of public key "
                    + Base64Url.encode(P256.uncompressed(publicKey))
                    + ": push services would refuse every token it signs");
        }
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.publicKeyBase64Url = Base64Url.encode(P256.uncompressed(publicKey));
    }

    /**
     * The pair whose private key is in {@code privateKeyFile}.
     *
     * @param privateKeyFile a file holding the base64url private key (32 bytes) alone
     * @param publicKey the base64url uncompressed public key, the app's {@code applicationServerKey}
     * @throws IllegalArgumentException if either is malformed, or they are not one pair
     */
    public static VapidKeys read(Path privateKeyFile, String publicKey) throws IOException {
        String text =
                Files.readString(privateKeyFile, StandardCharsets.US_ASCII).strip();
        if (text.startsWith("-----BEGIN")) {
            throw new IllegalArgumentException("the VAPID private key file " + privateKeyFile
                    + " holds a PEM key: Herald reads the base64url raw key web push libraries write"
                    + " (see io.herald.webpush.VapidKeys to convert one)");
        }
        try {
            return fromBase64Url(text, publicKey);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the VAPID key in " + privateKeyFile + ": " + e.getMessage());
        }
    }

    /**
     * The pair from its two base64url strings.
     *
     * @throws IllegalArgumentException if either is malformed, or they are not one pair
     */
    public static VapidKeys fromBase64Url(String privateKey, String publicKey) {
        return new VapidKeys(
                P256.privateKey(Base64Url.decode(privateKey, "the VAPID private key")),
                P256.publicKey(Base64Url.decode(publicKey, "the VAPID public key")));
    }

    /** A new pair, for tests and the sandbox. */
    public static VapidKeys generate() {
        KeyPair pair = P256.generateKeyPair(new SecureRandom());
        return new VapidKeys((ECPrivateKey) pair.getPrivate(), (ECPublicKey) pair.getPublic());
    }

    /**
     * Writes the private key to {@code file} as {@link #read} reads it, readable by its owner alone
     * where the file system has POSIX permissions: for the sandbox, which makes its own pair.
     */
    public void writePrivateKey(Path file) throws IOException {
        Files.deleteIfExists(file);
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        Files.writeString(file, Base64Url.encode(P256.scalar(privateKey)) + "\n", StandardCharsets.US_ASCII);
    }

    /** The public key, uncompressed and base64url: the {@code k} of the Authorization header. */
    public String publicKeyBase64Url() {
        return publicKeyBase64Url;
    }

    public ECPublicKey publicKey() {
        return publicKey;
    }

    ECPrivateKey privateKey() {
        return privateKey;
    }

    @Override
    public String toString() {
        return "VapidKeys[publicKey=" + publicKeyBase64Url + "]";
    }
}
