package io.herald.sandbox;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** What the emulator tests share: the sandbox's TLS files, a client context trusting its CA, waiting for a count. */
final class SandboxTestTls {
    private SandboxTestTls() {}

    /** The sandbox TLS file {@code name} (server.pem, server-key.pem, ca.pem), copied into {@code dir} once. */
    static Path resource(Path dir, String name) throws Exception {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            try (InputStream in = SandboxTestTls.class.getResourceAsStream("/sandbox-tls/" + name)) {
                Files.copy(in, file);
            }
        }
        return file;
    }

    /** A TLS context that trusts the sandbox CA only, for the JDK's HTTP client. */
    static SSLContext trustingSandboxCa(Path dir) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream ca = Files.newInputStream(resource(dir, "ca.pem"))) {
            trust.setCertificateEntry(
                    "sandbox-ca", CertificateFactory.getInstance("X.509").generateCertificate(ca));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trustManagers.getTrustManagers(), null);
        return tls;
    }

    /**
     * The count once it reached {@code expected} (emulators count a delivery once its answer is
     * written, just after the sender may have read it), or what it was after 5 s; then 200 ms more,
     * so that a count going past it shows.
     */
    static long eventually(LongSupplier count, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (count.getAsLong() < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(200);
        return count.getAsLong();
    }
}
