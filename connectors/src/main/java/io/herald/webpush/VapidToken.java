package io.herald.webpush;

import java.time.Instant;

/**
 * One signed VAPID token (RFC 8292 section 2): an ES256 JWT for one push service's origin, with the
 * public key that verifies it. Immutable. The JWT is a bearer credential for its origin until it
 * expires, so {@link #toString} leaves it out.
 */
public final class VapidToken {
    private final String audience;
    private final Instant expiresAt;
    private final String jwt;
    private final String publicKey;

    VapidToken(String audience, Instant expiresAt, String jwt, String publicKey) {
        this.audience = audience;
        this.expiresAt = expiresAt;
        this.jwt = jwt;
        this.publicKey = publicKey;
    }

    /** The origin it is for, its {@code aud} claim: {@code https://host[:port]}. */
    public String audience() {
        return audience;
    }

    /** Its {@code exp} claim. */
    public Instant expiresAt() {
        return expiresAt;
    }

    /** The compact JWT: header, claims and signature, each base64url. */
    public String jwt() {
        return jwt;
    }

    /** The {@code Authorization} header's value (RFC 8292 section 3): {@code vapid t=<jwt>, k=<key>}. */
    public String authorization() {
        return "vapid t=" + jwt + ", k=" + publicKey;
    }

    @Override
    public String toString() {
        return "VapidToken[aud=" + audience + ", exp=" + expiresAt + "]";
    }
}
