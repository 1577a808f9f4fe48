package io.herald.apns;

import com.eatthepath.pushy.apns.auth.ApnsSigningKey;
import com.eatthepath.pushy.apns.auth.AuthenticationToken;
import io.netty.util.AsciiString;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * An app's APNs provider token (an ES256 JWT naming the team and the key, signed with the .p8 key)
 * as an {@code authorization: bearer} header, for the requests Herald sends to APNs itself
 * (broadcasts, channel management); Pushy keeps its own for pushes to tokens. The JWT is Pushy's
 * {@link AuthenticationToken}, so the two are made the same way.
 *
 * <p>One token serves every request until it is {@link #RENEW_AFTER} old: APNs refuses a token
 * older than an hour ({@code ExpiredProviderToken}) and one renewed more often than every 20 minutes
 * ({@code TooManyProviderTokenUpdates}). Thread-safe; signing takes microseconds, once per renewal.
 * Neither the key nor the token is ever in {@link #toString()}.
 */
public final class ApnsProviderToken {
    /** A token's age when the next request gets a new one: inside APNs's hour, past its 20 minutes. */
    public static final Duration RENEW_AFTER = Duration.ofMinutes(50);

    private final ApnsSigningKey key;
    private final Clock clock;
    private volatile Issued current;

    private record Issued(Instant issuedAt, AsciiString header) {}

    public ApnsProviderToken(ApnsSigningKey key) {
        this(key, Clock.systemUTC());
    }

    ApnsProviderToken(ApnsSigningKey key, Clock clock) {
        this.key = key;
        this.clock = clock;
    }

    /** The {@code authorization} header's value, {@code bearer <jwt>}, renewed when due. */
    public AsciiString authorization() {
        Issued issued = current;
        Instant now = clock.instant();
        if (issued == null || !now.isBefore(issued.issuedAt.plus(RENEW_AFTER))) {
            synchronized (this) {
                issued = current;
                if (issued == null || !now.isBefore(issued.issuedAt.plus(RENEW_AFTER))) {
                    AuthenticationToken token = new AuthenticationToken(key, now);
                    issued = new Issued(token.getIssuedAt(), token.getAuthorizationHeader());
                    current = issued;
                }
            }
        }
        return issued.header;
    }

    @Override
    public String toString() {
        return "ApnsProviderToken[team " + key.getTeamId() + ", key " + key.getKeyId() + "]";
    }
}
