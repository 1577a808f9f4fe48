package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar herald.jar ARGS} as a process of its own, as an operator types it: its standard
 * output as it reached the terminal (what the process flushed before it exited), its standard error,
 * and its exit code.
 */
final class HeraldCli {
    private static final Path HERALD_JAR = Path.of("..", "job", "target", "herald.jar");

    /** What a run printed (standard output, and standard error apart) and how it exited. */
    record Run(int code, String out, String err) {}

    private HeraldCli() {}

    /** Runs {@code args}, its log and standard error in {@code dir}. */
    static Run run(Path dir, String... args) throws Exception {
        assertThat(HERALD_JAR).as("built by the job module's package phase").exists();
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                // As ./herald starts its short commands: C1 alone, which starts them sooner.
                "-XX:TieredStopAtLevel=1",
                "-Dherald.logFile=" + dir.resolve("cli.log"),
                "-jar",
                HERALD_JAR.toString()));
        command.addAll(List.of(args));
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        Process p = new ProcessBuilder(command)
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        String errors = Files.readString(err);
        System.out.println("herald " + String.join(" ", args) + " -> " + p.exitValue() + "\n" + out + errors);
        return new Run(p.exitValue(), out, errors);
    }
}
