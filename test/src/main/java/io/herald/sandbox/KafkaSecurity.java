package io.herald.sandbox;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.config.provider.FileConfigProvider;
import org.apache.kafka.common.errors.SaslAuthenticationException;

/**
 * The users and ACLs of a secured {@link EmbeddedKafka}, and the client properties its users connect
 * with: SASL_SSL, SCRAM-SHA-512, the sandbox's CA as a PEM trust store. A deployment's properties
 * ({@link #deploymentProperties}) name the password's file, which Kafka's own {@link
 * FileConfigProvider} reads where the client is made: the password is in no configuration, job graph
 * or log. A test's own clients may have it inline ({@link #clientProperties}).
 */
public final class KafkaSecurity {
    public static final String MECHANISM = "SCRAM-SHA-512";
    /** The iterations of a SCRAM credential; Kafka's minimum for SCRAM-SHA-512 is 4096. */
    private static final int ITERATIONS = 8192;

    private final String bootstrapServers;
    private final Path trustedCertificates;
    private final Properties admin;

    /** A user's name and password; {@link #toString()} leaves the password out, so that it is never logged. */
    public record User(String name, String password) {
        /** A user with a new random password. */
        public static User generate(String name) {
            byte[] secret = new byte[24];
            new SecureRandom().nextBytes(secret);
            return new User(name, Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
        }

        /** The same user with another password (a wrong one). */
        public User withPassword(String other) {
            return new User(name, other);
        }

        /** The principal the broker's authorizer sees. */
        public String principal() {
            return "User:" + name;
        }

        @Override
        public String toString() {
            return principal();
        }
    }

    /**
     * @param bootstrapServers the clients' listener
     * @param trustedCertificates the PEM certificates a client trusts the broker's certificate by
     * @param admin the client properties of the broker's super user
     */
    KafkaSecurity(String bootstrapServers, Path trustedCertificates, Properties admin) {
        this.bootstrapServers = bootstrapServers;
        this.trustedCertificates = trustedCertificates;
        this.admin = admin;
    }

    /** The super user's client properties (a listener of the broker's own, with PLAIN). */
    Properties adminProperties() {
        Properties p = new Properties();
        p.putAll(admin);
        return p;
    }

    /** Creates a SCRAM user with a new random password; returns once the broker authenticates it. */
    public User createUser(String name) throws Exception {
        User user = User.generate(name);
        try (Admin a = Admin.create(admin)) {
            a.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(
                            name, new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), user.password())))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        // The controller has the credential now; the broker learns it from the metadata a moment later.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (Admin a = Admin.create(clientProperties(user))) {
                a.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
                return user;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof SaslAuthenticationException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** Creates {@code acls}; returns once the broker's authorizer holds every one of them. */
    public void allow(Collection<AclBinding> acls) throws Exception {
        try (Admin a = Admin.create(admin)) {
            a.createAcls(acls).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            // Described by the broker from the authorizer that decides, so what is listed is enforced.
            Set<AclBinding> held =
                    new HashSet<>(a.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS));
            while (!held.containsAll(acls)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker does not hold the ACLs created 30 s ago");
                }
                Thread.sleep(100);
                held = new HashSet<>(
                        a.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS));
            }
        }
    }

    /**
     * What every client of the secured listener sets but its credentials: {@code security.protocol},
     * {@code sasl.mechanism} and the PEM trust store (no {@code bootstrap.servers}).
     */
    public Map<String, String> withoutCredentials() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", MECHANISM);
        p.put("ssl.truststore.type", "PEM");
        p.put("ssl.truststore.location", trustedCertificates.toString());
        return p;
    }

    /**
     * A deployment's {@code kafka.properties} for {@code user} (no {@code bootstrap.servers}): the
     * password is written to {@code dir/NAME.properties} (owner-only), and {@code sasl.jaas.config}
     * names it, {@code ${file:PATH:password}}, which Kafka's {@link FileConfigProvider} replaces when
     * a client is made, allowed to read {@code dir} only.
     */
    public Map<String, String> deploymentProperties(User user, Path dir) throws Exception {
        Files.createDirectories(dir);
        Path file = dir.resolve(user.name() + ".properties");
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, "password=" + user.password() + "\n", StandardCharsets.UTF_8);
        Map<String, String> p = withoutCredentials();
        p.put("config.providers", "file");
        p.put("config.providers.file.class", FileConfigProvider.class.getName());
        p.put("config.providers.file.param.allowed.paths", dir.toAbsolutePath().toString());
        p.put("sasl.jaas.config", jaas(user.name(), "${file:" + file.toAbsolutePath() + ":password}"));
        return p;
    }

    /** A test's own client of {@code user}, its password inline: bootstrap servers and all. */
    public Properties clientProperties(User user) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrapServers);
        p.putAll(withoutCredentials());
        p.put("sasl.jaas.config", jaas(user.name(), user.password()));
        return p;
    }

    private static String jaas(String name, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + name + "\" password=\""
                + password + "\";";
    }
}
