package io.herald.cli;

import io.herald.sandbox.KafkaIO;
import io.herald.sandbox.Sandbox;
import io.herald.sandbox.SyntheticUsers;
import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Loads synthetic users into a sandbox's job through the devices topic, with progress bars. */
final class DeviceLoad {
    private DeviceLoad() {}

    /**
     * Registers {@code population}'s tokens with the emulators, writes every device's register event
     * to the devices topic and waits until the job has taken them all in (a checkpoint covers them).
     *
     * @return false if the job had not taken them in within 10 minutes
     */
    static boolean load(Sandbox sandbox, KafkaIO kafka, SyntheticUsers population) throws Exception {
        population.registerWith(sandbox);
        try (ProgressBar bar = bar("Devices stored", population.devices().size())) {
            return population.load(
                    sandbox,
                    kafka,
                    Duration.ofMinutes(10),
                    behind -> bar.stepTo(population.devices().size() - behind));
        }
    }

    static ProgressBar bar(String task, long max) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .setMaxRenderedLength(100)
                .build();
    }
}
