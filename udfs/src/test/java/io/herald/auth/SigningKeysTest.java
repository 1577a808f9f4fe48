package io.herald.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class SigningKeysTest {
    private static final byte[] SECRET = new byte[32];
    private static final byte[] OTHER_SECRET = new byte[32];

    static {
        for (int i = 0; i < 32; i++) {
            SECRET[i] = (byte) i;
            OTHER_SECRET[i] = (byte) (100 + i);
        }
    }

    private static final byte[] KEY = "spring-sale".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FIRE =
            "{\"type\":\"fire\",\"campaignId\":\"spring-sale\"}".getBytes(StandardCharsets.UTF_8);
    private static final long AT = 1_796_544_100_000L;

    private final SigningKey ops = new SigningKey("ops-2026", "alice", SECRET);
    private final SigningKeys keys = new SigningKeys(List.of(ops), 600_000);

    @Test
    void theMacIsHmacSha256OfTheDocumentedMessage_asPythonsHmacComputesIt() {
        // python3: base64(hmac.new(bytes(range(32)), b"herald-control-v1\nops-2026\n1796544100000\nn-1\n"
        //   + base64(b"spring-sale") + b"\n" + value, hashlib.sha256).digest())
        assertThat(ops.sign(KEY, FIRE, AT, "n-1").mac).isEqualTo("lwoMh3Xl0pHQvEUVVRyQIaIpMxCuaRG8Fa35PD9AcBs=");
    }

    @Test
    void aSignedRecordNamesItsPrincipal() {
        ControlSignature s = ops.sign(KEY, FIRE, AT, "n-1");
        assertThat(keys.verify(s, KEY, FIRE, AT + 1_000))
                .isEqualTo(new SigningKeys.Verdict.Signed("alice", "ops-2026", AT, "n-1"));
        assertThat(keys.verify(null, KEY, FIRE, AT)).isInstanceOf(SigningKeys.Verdict.Unsigned.class);
    }

    @Test
    void aChangedValueAnotherKafkaKeyAnotherSecretOrAnUnknownKeyIsRefusedSayingWhy() {
        ControlSignature s = ops.sign(KEY, FIRE, AT, "n-1");
        byte[] widened = "{\"type\":\"fire\",\"campaignId\":\"spring-sale\",\"confirmAudience\":9999999}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(keys.verify(s, KEY, widened, AT))
                .isEqualTo(new SigningKeys.Verdict.Refused("bad signature (key 'ops-2026')"));
        assertThat(keys.verify(s, "other".getBytes(StandardCharsets.UTF_8), FIRE, AT))
                .isEqualTo(new SigningKeys.Verdict.Refused("bad signature (key 'ops-2026')"));
        ControlSignature forged = new SigningKey("ops-2026", "mallory", OTHER_SECRET).sign(KEY, FIRE, AT, "n-1");
        assertThat(keys.verify(forged, KEY, FIRE, AT)).isInstanceOf(SigningKeys.Verdict.Refused.class);
        ControlSignature unknown = new SigningKey("ops-2025", "alice", SECRET).sign(KEY, FIRE, AT, "n-1");
        assertThat(keys.verify(unknown, KEY, FIRE, AT))
                .isEqualTo(new SigningKeys.Verdict.Refused("signed with unknown key 'ops-2025'"));
        ControlSignature noMac = new ControlSignature("ops-2026", AT, "n-1", null);
        assertThat(keys.verify(noMac, KEY, FIRE, AT))
                .isEqualTo(new SigningKeys.Verdict.Refused("a signature without its herald-mac"));
        ControlSignature garbage = new ControlSignature("ops-2026", AT, "n-1", "%%%");
        assertThat(keys.verify(garbage, KEY, FIRE, AT)).isInstanceOf(SigningKeys.Verdict.Refused.class);
    }

    @Test
    void aSignatureFarFromWhenTheRecordWasWrittenIsRefused() {
        ControlSignature s = ops.sign(KEY, FIRE, AT, "n-1");
        assertThat(keys.verify(s, KEY, FIRE, AT + 600_001)).isInstanceOf(SigningKeys.Verdict.Refused.class);
        assertThat(keys.verify(s, KEY, FIRE, AT - 600_001)).isInstanceOf(SigningKeys.Verdict.Refused.class);
        assertThat(keys.verify(s, KEY, FIRE, AT + 600_000)).isInstanceOf(SigningKeys.Verdict.Signed.class);
    }

    @Test
    void twoKeysOfOnePrincipalVerifyAtOnce_forRotation() {
        SigningKey next = new SigningKey("ops-2027", "alice", OTHER_SECRET);
        SigningKeys both = new SigningKeys(List.of(ops, next), 600_000);
        assertThat(both.verify(ops.sign(KEY, FIRE, AT, "a"), KEY, FIRE, AT))
                .isInstanceOf(SigningKeys.Verdict.Signed.class);
        assertThat(both.verify(next.sign(KEY, FIRE, AT, "b"), KEY, FIRE, AT))
                .isEqualTo(new SigningKeys.Verdict.Signed("alice", "ops-2027", AT, "b"));
    }

    @Test
    void aShortSecretADuplicateIdAndTheSecretInToStringAreRefused() {
        assertThatThrownBy(() -> new SigningKey("k", "alice", new byte[16])).hasMessageContaining("shorter than 32");
        assertThatThrownBy(() -> new SigningKeys(List.of(ops, new SigningKey("ops-2026", "bob", OTHER_SECRET)), 1))
                .hasMessageContaining("two signing keys have the id ops-2026");
        assertThat(ops.toString()).isEqualTo("SigningKey[ops-2026 of alice]");
    }
}
