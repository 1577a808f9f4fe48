package io.herald.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Answer;
import io.herald.model.Outcome;
import org.junit.jupiter.api.Test;

class AnswerLogTest {
    @Test
    void anAnswerReadsBackAsWritten_andNoiseIsSkipped() {
        Answer a = new Answer();
        a.notificationId = "c1/d\"1";
        a.campaignId = "c1";
        a.userId = "ü";
        a.outcome = Outcome.TOKEN_DEAD;
        a.providerStatus = 410;
        a.reason = "Unregistered";
        a.attempts = 2;
        a.ackAt = 1234;
        a.tokenInvalidAt = 99L;
        Answer back = AnswerLog.decode(AnswerLog.encode(a));
        assertThat(back).usingRecursiveComparison().isEqualTo(a);

        a.reason = null;
        a.tokenInvalidAt = null;
        assertThat(AnswerLog.decode(AnswerLog.encode(a))).usingRecursiveComparison().isEqualTo(a);
        assertThat(AnswerLog.decode("not json".getBytes())).isNull();
    }

    @Test
    void anyTextReadsBack_aTruncatedOrLongerRecordIsNoise_andVersion1RecordsAreStillRead() throws Exception {
        Answer a = new Answer();
        a.notificationId = "c\u0000/\uD83D\uDE00";
        a.campaignId = "c\u0000";
        a.userId = "\uD83D\uDE00 ü";
        a.outcome = Outcome.DELIVERED;
        a.providerStatus = 200;
        a.attempts = 1;
        a.ackAt = Long.MAX_VALUE;
        byte[] bytes = AnswerLog.encode(a);
        assertThat(AnswerLog.decode(bytes)).usingRecursiveComparison().isEqualTo(a);
        assertThat(AnswerLog.decode(java.util.Arrays.copyOf(bytes, bytes.length - 1))).isNull();
        assertThat(AnswerLog.decode(java.util.Arrays.copyOf(bytes, bytes.length + 1))).isNull();

        // Version 1, as the previous release wrote it.
        java.io.ByteArrayOutputStream v1 = new java.io.ByteArrayOutputStream();
        try (java.io.DataOutputStream out = new java.io.DataOutputStream(v1)) {
            out.writeByte(1);
            out.writeUTF("c1/d1");
            out.writeUTF("c1");
            out.writeUTF("u1");
            out.writeUTF("TOKEN_DEAD");
            out.writeShort(410);
            out.writeShort(2);
            out.writeLong(1234);
            out.writeBoolean(true);
            out.writeUTF("Unregistered");
            out.writeBoolean(true);
            out.writeLong(99);
        }
        Answer old = AnswerLog.decode(v1.toByteArray());
        assertThat(old.notificationId).isEqualTo("c1/d1");
        assertThat(old.outcome).isEqualTo(Outcome.TOKEN_DEAD);
        assertThat(old.reason).isEqualTo("Unregistered");
        assertThat(old.tokenInvalidAt).isEqualTo(99L);
    }
}
