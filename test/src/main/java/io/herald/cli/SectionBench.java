package io.herald.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/**
 * A {@code bench} subcommand: measures, writes its section of the benchmarks file, and prints its
 * figures as one JSON object. The full {@code bench} runs the same {@link #measure} with its own
 * {@code --out}.
 */
abstract class SectionBench implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "BENCHMARKS.md", description = "Where to write the section.")
    Path out;

    /** Measures, writes the section, and returns the figures (null if it could not measure). */
    abstract Map<String, Object> measure() throws Exception;

    @Override
    public Integer call() throws Exception {
        Map<String, Object> r = measure();
        if (r == null) {
            return 1;
        }
        System.out.println(new ObjectMapper().writeValueAsString(r));
        return 0;
    }
}
