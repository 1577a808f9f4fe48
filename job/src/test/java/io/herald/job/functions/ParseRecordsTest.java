package io.herald.job.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.job.state.DeviceEventSerializer;
import io.herald.json.DeviceEventCodec;
import io.herald.model.DeadLetter;
import io.herald.model.DeviceEvent;
import io.herald.model.RawRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class ParseRecordsTest {
    @Test
    void goodRecordsGoOnAndBadOnesBecomeDeadLettersWithTheirReason() throws Exception {
        try (OneInputStreamOperatorTestHarness<RawRecord, DeviceEvent> h =
                ProcessFunctionTestHarnesses.forProcessFunction(
                        new ParseRecords<>(new DeviceEventCodec(), DeviceEventSerializer.TYPE))) {
            h.processElement(raw(7, "{\"type\":\"uninstall\",\"userId\":\"u\",\"deviceId\":\"d\",\"version\":3}"), 1);
            h.processElement(raw(8, "{\"type\":\"uninstall\",\"userId\":\"u\""), 2);
            assertThat(h.extractOutputValues())
                    .singleElement()
                    .satisfies(e -> assertThat(e.version).isEqualTo(3));
            assertThat(h.getSideOutput(Descriptors.DEAD_LETTERS))
                    .singleElement()
                    .satisfies(r -> {
                        DeadLetter d = ((StreamRecord<DeadLetter>) r).getValue();
                        assertThat(d.offset).isEqualTo(8);
                        assertThat(d.topic).isEqualTo("devices");
                        assertThat(d.reason).startsWith("malformed JSON");
                        assertThat(d.value).isEqualTo("{\"type\":\"uninstall\",\"userId\":\"u\"");
                    });
        }
    }

    private static RawRecord raw(long offset, String json) {
        return new RawRecord("devices", 0, offset, 0, json.getBytes(StandardCharsets.UTF_8));
    }
}
