package io.herald.webpush;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Arrays;
import javax.crypto.KeyAgreement;

/**
 * The P-256 curve as web push writes its keys: public keys as the 65-byte uncompressed point (0x04,
 * x, y) of X9.62, private keys as the 32-byte scalar. Everything else goes through the JDK's own EC
 * provider; the only arithmetic here is on public values (the curve equation, to refuse a point off
 * the curve before it reaches a key agreement: RFC 8291 section 7 asks for the check).
 */
final class P256 {
    static final int PUBLIC_KEY_LENGTH = 65;
    static final int PRIVATE_KEY_LENGTH = 32;
    private static final int COORDINATE_LENGTH = 32;
    private static final byte UNCOMPRESSED = 0x04;

    static final ECParameterSpec CURVE = curve();

    private P256() {}

    private static ECParameterSpec curve() {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec("secp256r1"));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no P-256 (secp256r1)", e);
        }
    }

    static KeyPair generateKeyPair(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(CURVE, random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make P-256 keys", e);
        }
    }

    /**
     * The public key an uncompressed point stands for.
     *
     * @throws IllegalArgumentException if it is not 65 bytes starting 0x04, or not a point of P-256
     */
    static ECPublicKey publicKey(byte[] uncompressed) {
        if (uncompressed.length != PUBLIC_KEY_LENGTH || uncompressed[0] != UNCOMPRESSED) {
            throw new IllegalArgumentException("a P-256 public key is 65 bytes, 0x04 then x and y; this one has "
                    + uncompressed.length + " bytes");
        }
        BigInteger x = new BigInteger(1, Arrays.copyOfRange(uncompressed, 1, 1 + COORDINATE_LENGTH));
        BigInteger y = new BigInteger(1, Arrays.copyOfRange(uncompressed, 1 + COORDINATE_LENGTH, PUBLIC_KEY_LENGTH));
        if (!onCurve(x, y)) {
            throw new IllegalArgumentException("the public key is not a point of P-256");
        }
        try {
            return (ECPublicKey)
                    KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), CURVE));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the public key is not a P-256 key", e);
        }
    }

    /** y² = x³ + ax + b (mod p), with both coordinates reduced. P-256's cofactor is 1: no order check needed. */
    private static boolean onCurve(BigInteger x, BigInteger y) {
        BigInteger p = ((ECFieldFp) CURVE.getCurve().getField()).getP();
        if (x.compareTo(p) >= 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger left = y.multiply(y).mod(p);
        BigInteger right = x.pow(3)
                .add(CURVE.getCurve().getA().multiply(x))
                .add(CURVE.getCurve().getB())
                .mod(p);
        return left.equals(right);
    }

    /** The 65-byte uncompressed point of a public key. */
    static byte[] uncompressed(ECPublicKey key) {
        byte[] point = new byte[PUBLIC_KEY_LENGTH];
        point[0] = UNCOMPRESSED;
        writeUnsigned(key.getW().getAffineX(), point, 1);
        writeUnsigned(key.getW().getAffineY(), point, 1 + COORDINATE_LENGTH);
        return point;
    }

    /**
     * The private key a 32-byte scalar stands for.
     *
     * @throws IllegalArgumentException if it is not 32 bytes, or not in [1, n-1]
     */
    static ECPrivateKey privateKey(byte[] scalar) {
        if (scalar.length != PRIVATE_KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "a P-256 private key is 32 bytes; this one has " + scalar.length + " bytes");
        }
        BigInteger s = new BigInteger(1, scalar);
        if (s.signum() == 0 || s.compareTo(CURVE.getOrder()) >= 0) {
            throw new IllegalArgumentException("the private key is out of P-256's range");
        }
        try {
            return (ECPrivateKey) KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(s, CURVE));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the private key is not a P-256 key", e);
        }
    }

    /** The 32-byte scalar of a private key. */
    static byte[] scalar(ECPrivateKey key) {
        byte[] scalar = new byte[PRIVATE_KEY_LENGTH];
        writeUnsigned(key.getS(), scalar, 0);
        return scalar;
    }

    /** The ECDH shared secret: the x coordinate of the product, 32 bytes (RFC 8291 section 3.1). */
    static byte[] sharedSecret(ECPrivateKey own, ECPublicKey theirs) {
        try {
            KeyAgreement agreement = KeyAgreement.getInstance("ECDH");
            agreement.init(own);
            agreement.doPhase(theirs, true);
            return agreement.generateSecret();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("ECDH on P-256 failed", e);
        }
    }

    /**
     * Whether a private and a public key are halves of one pair: the JDK derives no public key from a
     * private one, so the pair is shown by a signature one makes and the other verifies.
     */
    static boolean arePair(ECPrivateKey privateKey, ECPublicKey publicKey) {
        try {
            byte[] probe = "herald: do these keys pair?".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Writes a non-negative integer as exactly 32 big-endian bytes at {@code offset}. */
    private static void writeUnsigned(BigInteger value, byte[] into, int offset) {
        byte[] bytes = value.toByteArray(); // big-endian two's complement: may carry a leading 0x00, or be short
        int length = Math.min(bytes.length, COORDINATE_LENGTH);
        System.arraycopy(bytes, bytes.length - length, into, offset + COORDINATE_LENGTH - length, length);
    }
}
