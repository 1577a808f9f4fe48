package io.herald.webpush;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.json.Json;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * VAPID tokens (RFC 8292): an ES256 JWT whose JOSE signature verifies with the public key, with the
 * claims push services check, reused per origin until an hour before it expires by the injected
 * clock, and refused for a subject or an origin no push service would take.
 */
class VapidTokensTest {
    private static final String FCM = "https://fcm.googleapis.com";
    private static final Instant START = Instant.parse("2026-03-01T08:00:00Z");

    private final VapidKeys keys = VapidKeys.generate();
    private final AtomicReference<Instant> now = new AtomicReference<>(START);
    private final VapidTokens tokens = VapidTokens.builder()
            .keys(keys)
            .subject("mailto:push-ops@example.com")
            .clock(now::get)
            .build();

    @Test
    void theSignatureIsJoseEs256AndVerifiesWithThePublicKey() throws Exception {
        String[] jwt = tokens.tokenFor(FCM).jwt().split("\\.");
        assertThat(jwt).hasSize(3);
        byte[] signature = Base64.getUrlDecoder().decode(jwt[2]);
        assertThat(signature).as("R || S, 32 bytes each").hasSize(64);
        byte[] signed = (jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII);

        assertThat(verifies(signed, signature)).isTrue();
        byte[] otherClaims = (jwt[0] + "." + jwt[1] + "x").getBytes(StandardCharsets.US_ASCII);
        assertThat(verifies(otherClaims, signature)).isFalse();
        assertThat(verifies(signed, VapidKeys.generate(), signature))
                .as("another key")
                .isFalse();
    }

    @Test
    void theClaimsAreTheOriginTwelveHoursAheadAndTheSubject() throws Exception {
        String[] jwt = tokens.tokenFor(FCM).jwt().split("\\.");

        JsonNode header = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(jwt[0]));
        JsonNode claims = Json.MAPPER.readTree(Base64.getUrlDecoder().decode(jwt[1]));

        assertThat(header.get("alg").asText()).isEqualTo("ES256");
        assertThat(header.get("typ").asText()).isEqualTo("JWT");
        assertThat(claims.get("aud").asText()).isEqualTo(FCM);
        assertThat(claims.get("exp").asLong())
                .isEqualTo(START.plus(Duration.ofHours(12)).getEpochSecond());
        assertThat(claims.get("sub").asText()).isEqualTo("mailto:push-ops@example.com");
        assertThat(claims.size()).isEqualTo(3);
    }

    @Test
    void theAuthorizationHeaderCarriesTheTokenAndTheUncompressedPublicKey() {
        VapidToken token = tokens.tokenFor(FCM);

        assertThat(tokens.authorizationFor(FCM + "/fcm/send/abc:def"))
                .isEqualTo(token.authorization())
                .isEqualTo("vapid t=" + token.jwt() + ", k=" + keys.publicKeyBase64Url());
        byte[] k = Base64.getUrlDecoder().decode(keys.publicKeyBase64Url());
        assertThat(k).hasSize(65);
        assertThat(k[0]).isEqualTo((byte) 0x04);
        assertThat(P256.publicKey(k)).isEqualTo(keys.publicKey());
    }

    @Test
    void aTokenIsReusedUntilAnHourBeforeItExpiresThenRenewed() throws Exception {
        VapidToken first = tokens.tokenFor(FCM);
        assertThat(first.expiresAt()).isEqualTo(START.plus(Duration.ofHours(12)));

        now.set(START.plus(Duration.ofHours(11)).minusSeconds(1));
        assertThat(tokens.tokenFor(FCM)).isSameAs(first);

        now.set(START.plus(Duration.ofHours(11)));
        VapidToken renewed = tokens.tokenFor(FCM);
        assertThat(renewed).isNotSameAs(first);
        assertThat(renewed.expiresAt()).isEqualTo(START.plus(Duration.ofHours(23)));
        JsonNode claims =
                Json.MAPPER.readTree(Base64.getUrlDecoder().decode(renewed.jwt().split("\\.")[1]));
        assertThat(claims.get("exp").asLong())
                .isEqualTo(START.plus(Duration.ofHours(23)).getEpochSecond());

        now.set(START.plus(Duration.ofHours(22)).minusSeconds(1));
        assertThat(tokens.tokenFor(FCM)).isSameAs(renewed);
    }

    @Test
    void eachOriginHasItsOwnTokenWhateverTheEndpointsPath() {
        String mozilla = tokens.authorizationFor("https://updates.push.services.mozilla.com/wpush/v2/gAAAA");
        String fcm = tokens.authorizationFor(FCM + "/fcm/send/one");

        assertThat(tokens.authorizationFor(FCM + "/fcm/send/two")).isEqualTo(fcm);
        assertThat(mozilla).isNotEqualTo(fcm);
        assertThat(tokens.tokenFor("https://updates.push.services.mozilla.com").audience())
                .isEqualTo("https://updates.push.services.mozilla.com");
    }

    @Test
    void anEndpointIsNormalisedToItsOrigin() {
        assertThat(VapidTokens.originOf("https://FCM.GoogleAPIs.com:443/fcm/send/abc?x=1#y"))
                .isEqualTo(FCM);
        assertThat(VapidTokens.originOf("https://push.example.net:8443/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV"))
                .isEqualTo("https://push.example.net:8443");
        assertThat(VapidTokens.originOf("HTTPS://127.0.0.1:9443/p")).isEqualTo("https://127.0.0.1:9443");
        assertThat(tokens.tokenFor("https://FCM.googleapis.com:443").audience()).isEqualTo(FCM);
        assertThat(tokens.tokenFor("https://FCM.googleapis.com:443")).isSameAs(tokens.tokenFor(FCM));
    }

    @Test
    void anOriginWithAPathOrOfAnotherSchemeIsRefused() {
        assertThatThrownBy(() -> tokens.tokenFor(FCM + "/fcm/send/abc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an origin");
        assertThatThrownBy(() -> tokens.tokenFor(FCM + "/")).hasMessageContaining("not an origin");
        assertThatThrownBy(() -> tokens.tokenFor(FCM + "?q")).hasMessageContaining("not an origin");
        assertThatThrownBy(() -> tokens.tokenFor("http://fcm.googleapis.com")).hasMessageContaining("https");
        assertThatThrownBy(() -> tokens.authorizationFor("fcm.googleapis.com/fcm/send/abc"))
                .hasMessageContaining("https");
        assertThatThrownBy(() -> tokens.authorizationFor("https://user:pw@fcm.googleapis.com/fcm/send/abc"))
                .hasMessageContaining("user info");
        assertThatThrownBy(() -> tokens.authorizationFor("https://fcm.googleapis.com/a b"))
                .hasMessageContaining("not a URL");
    }

    @Test
    void aSubjectThatIsNoMailtoAddressNorHttpsUrlIsRefused() {
        for (String bad : new String[] {
            null,
            "",
            "push-ops@example.com",
            "mailto:",
            "mailto:push-ops",
            "mailto: push-ops@example.com",
            "mailto:a@b@example.com",
            "mailto:@example.com",
            "mailto:push-ops@",
            "MAILTO:push-ops@example.com",
            "http://example.com/contact",
            "https://",
            "https:example.com",
            "ftp://example.com"
        }) {
            assertThatThrownBy(() -> builder().subject(bad).build())
                    .as("subject %s", bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(builder().subject("https://example.com/contact").build()).isNotNull();
        assertThat(builder().subject("mailto:push-ops@example.com").build()).isNotNull();
    }

    @Test
    void theBuilderRefusesALifetimeOver24HoursOrARenewalMarginThatIsNotShorter() {
        assertThatThrownBy(() ->
                        builder().lifetime(Duration.ofHours(24).plusSeconds(1)).build())
                .hasMessageContaining("24 hours");
        assertThatThrownBy(() -> builder().lifetime(Duration.ZERO).build()).hasMessageContaining("24 hours");
        assertThatThrownBy(() -> builder().lifetime(Duration.ofHours(1)).build())
                .as("the default renewal margin is an hour")
                .hasMessageContaining("renewed");
        assertThatThrownBy(() -> builder().renewBefore(Duration.ofMinutes(-1)).build())
                .hasMessageContaining("renewed");
        assertThatThrownBy(() -> builder().keys(null).build()).hasMessageContaining("keys");
        assertThat(builder()
                        .lifetime(Duration.ofHours(24))
                        .build()
                        .tokenFor(FCM)
                        .expiresAt())
                .isEqualTo(START.plus(Duration.ofHours(24)));
    }

    @Test
    void pastTheCapANewOriginsTokenIsSignedForEachRequestAndTheKeptOnesStay() {
        VapidToken kept = tokens.tokenFor(FCM);
        for (int i = 1; i < VapidTokens.MAX_CACHED_ORIGINS; i++) {
            tokens.tokenFor("https://push" + i + ".example.net");
        }
        String overTheCap = "https://one-too-many.example.net";

        assertThat(tokens.tokenFor(overTheCap).jwt())
                .isNotEqualTo(tokens.tokenFor(overTheCap).jwt());
        assertThat(tokens.tokenFor(FCM)).isSameAs(kept);

        now.set(START.plus(Duration.ofHours(11)));
        assertThat(tokens.tokenFor(overTheCap))
                .as("once the kept ones are due for renewal they make room")
                .isSameAs(tokens.tokenFor(overTheCap));
    }

    @Test
    void itsNameLeavesTheTokenOut() {
        VapidToken token = tokens.tokenFor(FCM);
        assertThat(token.toString()).contains(FCM).doesNotContain(token.jwt().split("\\.")[2]);
        assertThat(token.toString()).doesNotContain(token.jwt());
    }

    private VapidTokens.Builder builder() {
        return VapidTokens.builder()
                .keys(keys)
                .subject("mailto:push-ops@example.com")
                .clock(now::get);
    }

    private boolean verifies(byte[] signed, byte[] joseSignature) throws Exception {
        return verifies(signed, keys, joseSignature);
    }

    /** Verifies with the JDK's plain SHA256withECDSA, which takes DER: the JOSE form converted back. */
    private static boolean verifies(byte[] signed, VapidKeys by, byte[] joseSignature) throws Exception {
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(by.publicKey());
        verifier.update(signed);
        return verifier.verify(joseToDer(joseSignature));
    }

    /** R || S (32 bytes each, unsigned) to the DER SEQUENCE of two INTEGERs. */
    private static byte[] joseToDer(byte[] jose) {
        byte[] r = new BigInteger(1, Arrays.copyOfRange(jose, 0, 32)).toByteArray();
        byte[] s = new BigInteger(1, Arrays.copyOfRange(jose, 32, 64)).toByteArray();
        ByteBuffer der = ByteBuffer.allocate(2 + 2 + r.length + 2 + s.length);
        der.put((byte) 0x30).put((byte) (2 + r.length + 2 + s.length));
        der.put((byte) 0x02).put((byte) r.length).put(r);
        der.put((byte) 0x02).put((byte) s.length).put(s);
        return der.array();
    }
}
