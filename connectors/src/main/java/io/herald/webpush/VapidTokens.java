package io.herald.webpush;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.herald.json.Json;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Signs and keeps VAPID tokens (RFC 8292): one ES256 JWT per push service origin, with {@code aud}
 * that origin, {@code exp} {@link Builder#lifetime} ahead (12 hours unless set; RFC 8292 allows at
 * most 24, and push services check it against their own clocks) and {@code sub} the sender's contact
 * ({@code mailto:} or {@code https:}, checked when built). A token is reused for its origin until it
 * is within {@link Builder#renewBefore} of expiring (an hour unless set), so that one signature
 * serves every message to a push service for hours, and a request never leaves with a token about to
 * expire on the way.
 *
 * <p>The signature is ECDSA P-256 SHA-256 in JOSE's form (RFC 7518 section 3.4: R then S, 32 bytes
 * each), which the JDK writes itself ({@code SHA256withECDSAinP1363Format}), rather than the DER
 * that plain {@code SHA256withECDSA} writes and would have to be taken apart by hand.
 *
 * <p>Origins come from subscriptions, which browsers (or anyone) supply, so at most
 * 256 tokens are kept; past that, expiring ones are dropped, and if none
 * is, a new origin's token is signed for each request and not kept. Safe from any thread.
 */
public final class VapidTokens {
    /** The longest a token may live (RFC 8292 section 2). */
    public static final Duration MAX_LIFETIME = Duration.ofHours(24);

    public static final Duration DEFAULT_LIFETIME = Duration.ofHours(12);
    public static final Duration DEFAULT_RENEW_BEFORE = Duration.ofHours(1);
    static final int MAX_CACHED_ORIGINS = 256;

    private static final int HTTPS_DEFAULT_PORT = 443;
    private static final String JWT_HEADER =
            Base64Url.encode("{\"typ\":\"JWT\",\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8));

    private final VapidKeys keys;
    private final String subject;
    private final InstantSource clock;
    private final Duration lifetime;
    private final Duration renewBefore;
    private final Map<String, VapidToken> byAudience = new HashMap<>();

    private VapidTokens(Builder builder) {
        this.keys = builder.keys;
        this.subject = builder.subject;
        this.clock = builder.clock;
        this.lifetime = builder.lifetime;
        this.renewBefore = builder.renewBefore;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The {@code Authorization} header's value for a request to {@code endpoint}, a subscription's
     * push resource URL: the token of its origin.
     *
     * @throws IllegalArgumentException if the endpoint is not an https URL with a host
     */
    public String authorizationFor(String endpoint) {
        return tokenFor(originOf(endpoint)).authorization();
    }

    /**
     * A token for {@code origin} ({@code https://host[:port]}; case and the default port 443 are
     * normalised away), the one kept if it is not yet within {@link Builder#renewBefore} of expiring,
     * else a new one.
     *
     * @throws IllegalArgumentException if {@code origin} is not an https origin: one with a path (a
     *     lone "/" too), a query or a fragment is refused, as its token would carry an {@code aud} no
     *     push service accepts; {@link #authorizationFor} takes a whole endpoint
     */
    public VapidToken tokenFor(String origin) {
        URI uri = parse(origin, "origin");
        String audience = origin(uri, origin);
        if (!uri.getRawPath().isEmpty() || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("not an origin (https://host[:port], nothing after it): " + origin);
        }
        synchronized (this) {
            Instant now = clock.instant();
            VapidToken kept = byAudience.get(audience);
            if (kept != null && isFresh(kept, now)) {
                return kept;
            }
            VapidToken signed = sign(audience, now);
            if (kept == null && byAudience.size() >= MAX_CACHED_ORIGINS) {
                byAudience.values().removeIf(token -> !isFresh(token, now));
            }
            if (kept != null || byAudience.size() < MAX_CACHED_ORIGINS) {
                byAudience.put(audience, signed);
            }
            return signed;
        }
    }

    /**
     * The origin of a push endpoint, as the {@code aud} claim names it (RFC 6454 section 6.2): {@code
     * https://} and the host in lower case, then {@code :port} unless it is 443.
     *
     * @throws IllegalArgumentException if it is not an https URL with a host, or has user info
     */
    public static String originOf(String endpoint) {
        return origin(parse(endpoint, "push endpoint"), endpoint);
    }

    private boolean isFresh(VapidToken token, Instant now) {
        return now.isBefore(token.expiresAt().minus(renewBefore));
    }

    private VapidToken sign(String audience, Instant now) {
        long expiry = now.getEpochSecond() + lifetime.toSeconds();
        ObjectNode claims = Json.MAPPER.createObjectNode();
        claims.put("aud", audience);
        claims.put("exp", expiry);
        claims.put("sub", subject);
        try {
            String signingInput = JWT_HEADER + "." + Base64Url.encode(Json.MAPPER.writeValueAsBytes(claims));
            Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format");
            signer.initSign(keys.privateKey());
            signer.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            String jwt = signingInput + "." + Base64Url.encode(signer.sign());
            return new VapidToken(audience, Instant.ofEpochSecond(expiry), jwt, keys.publicKeyBase64Url());
        } catch (JsonProcessingException | GeneralSecurityException e) {
            throw new IllegalStateException("signing a VAPID token failed", e);
        }
    }

    private static URI parse(String text, String what) {
        if (text == null) {
            throw new IllegalArgumentException("no " + what);
        }
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL, as a " + what + ": " + text);
        }
    }

    private static String origin(URI uri, String text) {
        if (!"https".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("web push goes to https URLs with a host (RFC 8030); not to " + text);
        }
        if (uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException("a push endpoint has no user info: " + text);
        }
        int port = uri.getPort();
        return "https://" + uri.getHost().toLowerCase(Locale.ROOT)
                + (port == -1 || port == HTTPS_DEFAULT_PORT ? "" : ":" + port);
    }

    /**
     * The {@code sub} claim, checked: {@code mailto:} and one address ({@code local@domain}), or an
     * {@code https://} URL with a host; nothing that is not a URI (no spaces: some push services
     * refuse {@code "mailto: ops@example.com"}).
     */
    static String checkSubject(String subject) {
        if (subject == null) {
            throw new IllegalArgumentException("a VAPID subject (mailto: or https:) is needed");
        }
        boolean valid;
        try {
            URI uri = new URI(subject);
            if (subject.startsWith("mailto:")) {
                String address = uri.getSchemeSpecificPart();
                int at = address.indexOf('@');
                valid = at > 0
                        && at == address.lastIndexOf('@')
                        && at < address.length() - 1
                        && address.chars().noneMatch(c -> c <= ' ' || c == ',' || c == '?');
            } else {
                valid = subject.startsWith("https://") && uri.getHost() != null;
            }
        } catch (URISyntaxException e) {
            valid = false;
        }
        if (!valid) {
            throw new IllegalArgumentException("a VAPID subject is a mailto: address or an https: URL (RFC 8292"
                    + " section 2.1), as push services contact the sender there; not \"" + subject + "\"");
        }
        return subject;
    }

    /** Makes {@link VapidTokens}; {@link #build()} checks what it was given. */
    public static final class Builder {
        private VapidKeys keys;
        private String subject;
        private InstantSource clock = InstantSource.system();
        private Duration lifetime = DEFAULT_LIFETIME;
        private Duration renewBefore = DEFAULT_RENEW_BEFORE;

        private Builder() {}

        /** The key pair that signs. Required. */
        public Builder keys(VapidKeys keys) {
            this.keys = keys;
            return this;
        }

        /** The {@code sub} claim: {@code mailto:someone@example.com} or an {@code https:} URL. Required. */
        public Builder subject(String subject) {
            this.subject = subject;
            return this;
        }

        /** Where now comes from; the system clock unless set. */
        public Builder clock(InstantSource clock) {
            this.clock = clock;
            return this;
        }

        /** How far ahead {@code exp} is: at most {@link #MAX_LIFETIME}; 12 hours unless set. */
        public Builder lifetime(Duration lifetime) {
            this.lifetime = lifetime;
            return this;
        }

        /** A kept token this close to its expiry is replaced; an hour unless set. Less than the lifetime. */
        public Builder renewBefore(Duration renewBefore) {
            this.renewBefore = renewBefore;
            return this;
        }

        /** @throws IllegalArgumentException if something is missing or out of range */
        public VapidTokens build() {
            if (keys == null) {
                throw new IllegalArgumentException("VAPID tokens need the keys that sign them");
            }
            checkSubject(subject);
            if (clock == null || lifetime == null || renewBefore == null) {
                throw new IllegalArgumentException("a VAPID token's clock, lifetime and renewal margin are needed");
            }
            if (lifetime.toSeconds() <= 0 || lifetime.compareTo(MAX_LIFETIME) > 0) {
                throw new IllegalArgumentException(
                        "a VAPID token lives at least a second and at most 24 hours; not " + lifetime);
            }
            if (renewBefore.isNegative() || renewBefore.compareTo(lifetime) >= 0) {
                throw new IllegalArgumentException(
                        "a VAPID token is renewed less than its lifetime before it expires; not " + renewBefore);
            }
            return new VapidTokens(this);
        }
    }
}
