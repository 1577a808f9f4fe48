package io.herald.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.model.Answer;
import io.herald.model.Outcome;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerLogTest {
    private static Answer answer(String notificationId, Outcome outcome) {
        Answer a = new Answer();
        a.notificationId = notificationId;
        a.campaignId = "c1";
        a.userId = "ü";
        a.outcome = outcome;
        a.providerStatus = 410;
        a.attempts = 2;
        a.ackAt = 1234;
        return a;
    }

    @Test
    void gatheredAnswersReadBackAsWritten_andNoiseIsSkipped() {
        Answer dead = answer("c1/d\"1", Outcome.TOKEN_DEAD);
        dead.reason = "Unregistered";
        dead.tokenInvalidAt = 99L;
        Answer delivered = answer("c1/d2", Outcome.DELIVERED);
        List<Answer> back = AnswerLog.decode(AnswerLog.encode(List.of(dead, delivered)));
        assertThat(back).usingRecursiveFieldByFieldElementComparator().containsExactly(dead, delivered);
        assertThat(AnswerLog.decode("not json".getBytes())).isEmpty();
        assertThat(AnswerLog.decode(new byte[0])).isEmpty();
    }

    @Test
    void anyTextReadsBack_aTruncatedOrLongerRecordIsNoise_andVersion1RecordsAreStillRead() throws Exception {
        Answer a = answer("c\u0000/\uD83D\uDE00", Outcome.DELIVERED);
        a.campaignId = "c\u0000";
        a.userId = "\uD83D\uDE00 ü";
        a.ackAt = Long.MAX_VALUE;
        byte[] bytes = AnswerLog.encode(List.of(a, a));
        assertThat(AnswerLog.decode(bytes))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactly(a, a);
        assertThat(AnswerLog.decode(Arrays.copyOf(bytes, bytes.length - 1))).isEmpty();
        assertThat(AnswerLog.decode(Arrays.copyOf(bytes, bytes.length + 1))).isEmpty();

        // Version 1, one answer per record, as the previous release wrote it.
        ByteArrayOutputStream v1 = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(v1)) {
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
        List<Answer> old = AnswerLog.decode(v1.toByteArray());
        assertThat(old).hasSize(1);
        assertThat(old.get(0).notificationId).isEqualTo("c1/d1");
        assertThat(old.get(0).outcome).isEqualTo(Outcome.TOKEN_DEAD);
        assertThat(old.get(0).reason).isEqualTo("Unregistered");
        assertThat(old.get(0).tokenInvalidAt).isEqualTo(99L);
    }
}
