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
}
