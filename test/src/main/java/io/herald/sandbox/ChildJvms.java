package io.herald.sandbox;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The JVMs this one started (a {@link StandaloneFlink}'s TaskManagers, its command line), found by
 * their command line: thread dumps with the JDK's {@code jcmd}, the evidence a test leaves when a
 * process hangs, and a kill for one that does not return.
 */
public final class ChildJvms {
    private ChildJvms() {}

    /**
     * {@code jcmd PID Thread.print} of every live process descended from this JVM whose command
     * line contains {@code marker} (a main class, say), by process id.
     */
    public static Map<Long, String> threadDumps(String marker) {
        Map<Long, String> dumps = new LinkedHashMap<>();
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        ProcessHandle.current()
                .descendants()
                .filter(p -> commandLine(p).contains(marker))
                .forEach(p -> {
                    try {
                        Process dump = new ProcessBuilder(jcmd, Long.toString(p.pid()), "Thread.print")
                                .redirectErrorStream(true)
                                .start();
                        String out = new String(dump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                        dump.waitFor(30, TimeUnit.SECONDS);
                        dumps.put(p.pid(), out);
                    } catch (Exception e) {
                        dumps.put(p.pid(), "no thread dump: " + e);
                    }
                });
        return dumps;
    }

    /** The threads of {@code dump} with a frame that contains {@code frame}, each as jcmd printed it. */
    public static List<String> threadsWith(String dump, String frame) {
        List<String> threads = new ArrayList<>();
        for (String thread : dump.split("\n\n")) {
            if (thread.contains(frame)) {
                threads.add(thread.strip());
            }
        }
        return threads;
    }

    /** Kills (SIGKILL) every live process descended from this JVM whose command line contains {@code marker}. */
    public static void kill(String marker) {
        ProcessHandle.current()
                .descendants()
                .filter(p -> commandLine(p).contains(marker))
                .forEach(ProcessHandle::destroyForcibly);
    }

    private static String commandLine(ProcessHandle p) {
        try {
            // /proc/PID/cmdline has the whole command line; ProcessHandle.Info may cut it short.
            return Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"), StandardCharsets.UTF_8)
                    .replace('\0', ' ');
        } catch (Exception e) {
            return p.info().commandLine().orElse("");
        }
    }
}
