package io.herald.job.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The fan-out's pure parts, without a harness: its settings, the users written during walks. */
class FanOutPartsTest {
    @Test
    void settingsAreTheJobsDefaultsUnlessSet_andOutOfRangeOnesAreRefusedNamingThem() {
        FanOutSettings defaults = FanOutSettings.builder().build();
        assertThat(defaults.usersPerChunk()).isEqualTo(1_000);
        assertThat(defaults.chunkMillis()).isEqualTo(20);
        assertThat(defaults.deviceTtl()).isEqualTo(FanOutSettings.DEFAULT_DEVICE_TTL);
        assertThat(defaults.toBuilder().usersPerChunk(7).build().usersPerChunk())
                .isEqualTo(7);
        assertThatThrownBy(() -> FanOutSettings.builder().usersPerChunk(0).build())
                .hasMessageContaining("usersPerChunk");
        assertThatThrownBy(
                        () -> FanOutSettings.builder().deviceTtl(Duration.ZERO).build())
                .hasMessageContaining("TTL");
        assertThatThrownBy(() -> FanOutSettings.builder().replayWindowMillis(-1).build())
                .hasMessageContaining("replayWindowMillis");
    }

    @Test
    void usersWrittenDuringWalksAreRemembered_pastTheBoundAllAreReadAgain_andNoneWithoutAWalk() {
        WrittenDuringWalks written = new WrittenDuringWalks();
        written.note("ana", false);
        assertThat(written.contains("ana")).as("no walk under way").isFalse();
        written.note("ana", true);
        assertThat(written.contains("ana")).isTrue();
        assertThat(written.contains("bob")).isFalse();
        for (int i = 0; i <= WrittenDuringWalks.MAX_USERS; i++) {
            written.note("u" + i, true);
        }
        assertThat(written.contains("bob"))
                .as("too many to remember: every user is read again")
                .isTrue();
        written.clear();
        assertThat(written.contains("bob")).isFalse();
    }
}
