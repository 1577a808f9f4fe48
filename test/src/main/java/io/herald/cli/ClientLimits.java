package io.herald.cli;

import com.eatthepath.pushy.apns.ApnsClient;
import com.eatthepath.pushy.apns.ApnsClientBuilder;
import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.util.SimpleApnsPushNotification;
import io.herald.apns.ApnsApp;
import io.herald.fcm.FcmApp;
import io.herald.http2.Http2Connections;
import io.herald.job.config.HeraldConfig;
import io.herald.json.Json;
import io.herald.model.Message;
import io.herald.payload.Payloads;
import io.herald.sandbox.DemoCampaign;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The limit Herald is measured against: each provider's client alone, with nothing else in the JVM,
 * sending the same payloads to the same emulator over as many connections and with the same bound
 * on requests in flight as the job's delivery operators have in all. For FCM, both Herald's Netty
 * client and the JDK's HttpClient, side by side, since either could carry it.
 */
final class ClientLimits {
    /** Under the FCM emulator's 1,500 concurrent streams a connection. */
    static final int JDK_CLIENT_IN_FLIGHT = 1000;

    private final HeraldConfig config;
    private final List<String> iosTokens;
    private final List<String> androidTokens;
    private final Message message;

    ClientLimits(HeraldConfig config, List<String> iosTokens, List<String> androidTokens) throws Exception {
        this.config = config;
        this.iosTokens = iosTokens;
        this.androidTokens = androidTokens;
        this.message = Json.MAPPER.treeToValue(
                Json.MAPPER
                        .readTree(DemoCampaign.create("limit", DemoCampaign.ALL))
                        .path("message"),
                Message.class);
    }

    private int connections(int perInstance) {
        return perInstance * config.parallelism;
    }

    private int inFlight() {
        return config.delivery.maxInFlight * config.parallelism;
    }

    /** Pushy's ApnsClient alone: notifications accepted per second over {@code n}. */
    double pushy(int n) throws Exception {
        ApnsApp app = config.apnsApps().get(0);
        NioEventLoopGroup loop =
                new NioEventLoopGroup(config.parallelism, new DefaultThreadFactory("limit-apns", true));
        ApnsClient client = new ApnsClientBuilder()
                .setSigningKey(ApnsSigningKey.loadFromPkcs8File(new File(app.keyFile), app.teamId, app.keyId))
                .setConcurrentConnections(connections(config.delivery.apnsConnections))
                .setEventLoopGroup(loop)
                .setApnsServer(app.host, app.port)
                .setTrustedServerCertificateChain(new File(app.trustedCertificateFile))
                .build();
        try {
            String payload = Payloads.apns("Hi Ana!", "You are on a 12 days streak.", message);
            return run(
                    n,
                    i -> client.sendNotification(new SimpleApnsPushNotification(
                                    iosTokens.get(i % iosTokens.size()), app.topic, payload))
                            .thenApply(r -> r.isAccepted()));
        } finally {
            client.close().get(10, TimeUnit.SECONDS);
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /** Herald's Netty HTTP/2 client for FCM alone. */
    double fcmNetty(int n) throws Exception {
        FcmApp app = config.fcmApps().get(0);
        NioEventLoopGroup loop = new NioEventLoopGroup(config.parallelism, new DefaultThreadFactory("limit-fcm", true));
        Http2Connections connections = new Http2Connections(
                URI.create(app.endpoint),
                new File(app.trustedCertificateFile),
                connections(config.delivery.fcmConnections),
                loop);
        String bearer =
                "Bearer " + Files.readString(Path.of(app.accessTokenFile)).trim();
        String path = "/v1/projects/" + app.projectId + "/messages:send";
        try {
            return run(n, i -> connections.post(path, bearer, fcmBody(i)).thenApply(r -> r.status == 200));
        } finally {
            connections.close();
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /** The JDK's HttpClient over HTTP/2 for FCM alone (it manages its own connections: one per origin). */
    double fcmJdk(int n) throws Exception {
        FcmApp app = config.fcmApps().get(0);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(trusting(app.trustedCertificateFile))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        String bearer =
                "Bearer " + Files.readString(Path.of(app.accessTokenFile)).trim();
        URI uri = URI.create(app.endpoint + "/v1/projects/" + app.projectId + "/messages:send");
        Function<Integer, HttpRequest> request = i -> HttpRequest.newBuilder(uri)
                .header("authorization", bearer)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(fcmBody(i)))
                .build();
        // One request first: until its HTTP/2 connection is up, every concurrent request would open a
        // connection of its own (thousands of TLS handshakes at once).
        client.send(request.apply(0), HttpResponse.BodyHandlers.ofString());
        // It carries everything on that one connection and fails ("too many concurrent streams") what
        // goes past the server's stream limit instead of queuing it: its window is held under that.
        return run(
                n,
                Math.min(inFlight(), JDK_CLIENT_IN_FLIGHT),
                i -> client.sendAsync(request.apply(i), HttpResponse.BodyHandlers.ofString())
                        .thenApply(r -> r.statusCode() == 200));
    }

    private String fcmBody(int i) {
        return Payloads.fcm(
                androidTokens.get(i % androidTokens.size()),
                "Hi Ana!",
                "You are on a 12 days streak.",
                message,
                null,
                null);
    }

    /**
     * Sends {@code n} requests with at most the in-flight bound outstanding, and returns accepted
     * requests per second from the first send to the last answer. Every one must be accepted.
     */
    private double run(int n, Function<Integer, CompletableFuture<Boolean>> send) throws Exception {
        return run(n, inFlight(), send);
    }

    private double run(int n, int inFlight, Function<Integer, CompletableFuture<Boolean>> send) throws Exception {
        Semaphore window = new Semaphore(inFlight);
        AtomicLong accepted = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicReference<Throwable> firstError = new AtomicReference<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            window.acquire();
            send.apply(i).whenComplete((ok, error) -> {
                (Boolean.TRUE.equals(ok) ? accepted : refused).incrementAndGet();
                if (error != null) {
                    firstError.compareAndSet(null, error);
                }
                window.release();
            });
        }
        window.acquire(inFlight);
        long elapsed = System.nanoTime() - start;
        window.release(inFlight);
        if (refused.get() > 0) {
            throw new IllegalStateException(
                    refused.get() + " of " + n + " requests were not accepted", firstError.get());
        }
        return accepted.get() * 1e9 / elapsed;
    }

    private static SSLContext trusting(String pemFile) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = new FileInputStream(pemFile)) {
            int i = 0;
            for (var cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + i++, cert);
            }
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, trust.getTrustManagers(), null);
        return ssl;
    }
}
