package io.herald.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Flink session cluster on this machine, each part a JVM of its own: a JobManager
 * (StandaloneSessionClusterEntrypoint) and TaskManagers (TaskManagerRunner), started from Flink's
 * Maven jars (there is no Flink distribution on Maven Central), with jobs submitted, stopped and
 * listed through Flink's own command line (CliFrontend) and REST API. For tests and benchmarks where
 * processes die: a TaskManager can be killed with SIGKILL and another started.
 *
 * <p>The JVMs run on this JVM's class path without Herald's own classes (Flink, its dependencies and
 * log4j, as a cluster's {@code lib/} would hold), so a job brings its code in its jar.
 */
public final class StandaloneFlink implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> OPENS = List.of(
            "java.base/java.lang",
            "java.base/java.util",
            "java.base/java.lang.reflect",
            "java.base/java.nio",
            "java.base/sun.nio.ch",
            "java.base/java.io",
            "java.base/java.net",
            "java.base/java.time",
            "java.base/java.text",
            "java.sql/java.sql");

    private final Path dir;
    private final Path conf;
    private final String classPath;
    private final int restPort;
    private final Process jobManager;
    private final Map<String, Process> taskManagers = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private int started;
    /** The JVM flags and dynamic properties of this configuration's TaskManagers, once asked. */
    private List<String> tmResourceParams;

    private StandaloneFlink(Path dir, Path conf, String classPath, int restPort, Process jobManager) {
        this.dir = dir;
        this.conf = conf;
        this.classPath = classPath;
        this.restPort = restPort;
        this.jobManager = jobManager;
    }

    /**
     * Starts a JobManager and {@code taskManagers} TaskManagers with {@code slots} slots each, under
     * {@code dir} (configuration, logs), and waits until they have all registered.
     */
    public static StandaloneFlink start(Path dir, int taskManagers, int slots) throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.createDirectories(dir.resolve("log"));
        int restPort = freePort();
        int rpcPort = freePort();
        Files.writeString(
                conf.resolve("config.yaml"),
                String.join(
                        "\n",
                        "jobmanager.rpc.address: localhost",
                        "jobmanager.rpc.port: " + rpcPort,
                        "jobmanager.bind-host: localhost",
                        "taskmanager.bind-host: localhost",
                        "taskmanager.host: localhost",
                        "rest.address: localhost",
                        "rest.bind-address: localhost",
                        "rest.port: " + restPort,
                        "jobmanager.memory.process.size: 768m",
                        "taskmanager.memory.process.size: 1280m",
                        "taskmanager.memory.managed.size: 256m",
                        "taskmanager.numberOfTaskSlots: " + slots,
                        // One subtask of each operator per TaskManager where there is room, so that killing one
                        // kills part of every stage.
                        "taskmanager.load-balance.mode: SLOTS",
                        // A lost TaskManager is noticed within seconds, and the job restarts at once.
                        "heartbeat.interval: 1000",
                        "heartbeat.timeout: 5000",
                        "restart-strategy.type: fixed-delay",
                        "restart-strategy.fixed-delay.attempts: 20",
                        "restart-strategy.fixed-delay.delay: 1 s",
                        "rest.cache.checkpoint-statistics.timeout: 50 ms",
                        // Under this cluster's directory: Flink's default (/tmp/tm_<resource id>) outlives the
                        // cluster, and every TaskManager started later with the same id re-reads each job jar
                        // its predecessors left there (gigabytes after a few test runs).
                        "process.working-dir: " + dir.resolve("work"),
                        "env.java.opts.all: " + opens(),
                        ""),
                StandardCharsets.UTF_8);
        Files.writeString(
                conf.resolve("log4j.properties"),
                String.join(
                        "\n",
                        "rootLogger.level = INFO",
                        "rootLogger.appenderRef.file.ref = MainAppender",
                        "appender.main.name = MainAppender",
                        "appender.main.type = File",
                        "appender.main.fileName = ${sys:log.file}",
                        "appender.main.layout.type = PatternLayout",
                        "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                        ""),
                StandardCharsets.UTF_8);
        String classPath = flinkClassPath();
        Process jm = java(
                dir,
                conf,
                classPath,
                "jobmanager",
                List.of("-Xmx512m"),
                "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                List.of("--configDir", conf.toString()));
        StandaloneFlink flink = new StandaloneFlink(dir, conf, classPath, restPort, jm);
        try {
            flink.awaitRest(Duration.ofSeconds(60));
            for (int i = 0; i < taskManagers; i++) {
                flink.startTaskManager();
            }
            flink.awaitTaskManagers(
                    taskManagers, Duration.ofSeconds(180)); // three JVMs starting at once on two busy cores
        } catch (Exception e) {
            flink.close();
            throw e;
        }
        return flink;
    }

    /** Starts another TaskManager and returns its resource id (the REST API's taskmanager-id). */
    public String startTaskManager() throws Exception {
        String id = "tm-" + (++started);
        if (tmResourceParams == null) {
            tmResourceParams = taskManagerResourceParams();
        }
        List<String> jvm = new ArrayList<>(List.of(tmResourceParams.get(0).split("\\s+")));
        List<String> dynamic = new ArrayList<>();
        for (String d : tmResourceParams.get(1).split("\\s+")) {
            if (!d.isEmpty()) {
                dynamic.add(d);
            }
        }
        List<String> args =
                new ArrayList<>(List.of("--configDir", conf.toString(), "-D", "taskmanager.resource-id=" + id));
        args.addAll(dynamic);
        taskManagers.put(
                id,
                java(dir, conf, classPath, id, jvm, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", args));
        return id;
    }

    /**
     * What Flink's own taskmanager.sh does: the memory flags and dynamic properties from BashJavaUtils
     * (the same for every TaskManager of this configuration, so asked once).
     */
    private List<String> taskManagerResourceParams() throws Exception {
        Process p = new ProcessBuilder(
                        javaCommand(),
                        "-cp",
                        classPath,
                        "org.apache.flink.runtime.util.bash.BashJavaUtils",
                        "GET_TM_RESOURCE_PARAMS",
                        "--configDir",
                        conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("log/bash-java-utils.out").toFile())
                .start();
        if (p.waitFor() != 0) {
            throw new IOException("BashJavaUtils failed: " + Files.readString(dir.resolve("log/bash-java-utils.out")));
        }
        return Files.readAllLines(dir.resolve("log/bash-java-utils.out")).stream()
                .filter(l -> l.startsWith("BASH_JAVA_UTILS_EXEC_RESULT:"))
                .map(l -> l.substring("BASH_JAVA_UTILS_EXEC_RESULT:".length()).trim())
                .collect(Collectors.toList());
    }

    /** Kills a TaskManager with SIGKILL, as the kernel's OOM killer or a lost machine would, and waits for it to die. */
    public void kill(String taskManagerId) throws Exception {
        Process p = taskManagers.remove(taskManagerId);
        p.destroyForcibly();
        p.waitFor();
    }

    /**
     * Submits {@code jar} detached with Flink's command line ({@code flink run -d}), started from
     * {@code savepoint} if it is not null; returns the job id.
     */
    public String submit(Path jar, String mainClass, String savepoint, List<String> programArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "-d", "-m", "localhost:" + restPort));
        if (savepoint != null) {
            args.addAll(List.of("-s", savepoint));
        }
        args.addAll(List.of("-c", mainClass, jar.toString()));
        args.addAll(programArgs);
        String out = cli(args);
        Matcher m = Pattern.compile("JobID ([0-9a-f]{32})").matcher(out);
        if (!m.find()) {
            throw new IOException("no job id in the output of flink run:\n" + out);
        }
        return m.group(1);
    }

    /** {@code flink stop --savepointPath DIR JOB}: stops the job with a savepoint and returns its path. */
    public String stopWithSavepoint(String jobId, Path savepoints) throws Exception {
        String out = cli(List.of(
                "stop",
                "-m",
                "localhost:" + restPort,
                "--savepointPath",
                savepoints.toUri().toString(),
                jobId));
        Matcher m = Pattern.compile("Savepoint completed\\. Path: (\\S+)").matcher(out);
        if (!m.find()) {
            throw new IOException("no savepoint path in the output of flink stop:\n" + out);
        }
        return m.group(1);
    }

    /** Runs Flink's command line (CliFrontend) against this cluster and returns what it printed. */
    public String cli(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(List.of(javaCommand()));
        command.addAll(List.of(opens().split(" ")));
        command.addAll(List.of(
                "-Dlog.file=" + dir.resolve("log/client.log"),
                "-Dlog4j.configurationFile=file:" + conf.resolve("log4j.properties"),
                "-cp",
                classPath,
                "org.apache.flink.client.cli.CliFrontend"));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("FLINK_CONF_DIR", conf.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("flink " + String.join(" ", args) + " failed:\n" + out);
        }
        return out;
    }

    /** A GET on the cluster's REST API. */
    public JsonNode rest(String path) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + restPort + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** The job's state (RUNNING, RESTARTING, ...). */
    public String jobState(String jobId) throws Exception {
        return rest("/jobs/" + jobId).path("state").asText();
    }

    /** Waits until every task of the job runs. */
    public void awaitAllRunning(String jobId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode job = rest("/jobs/" + jobId);
            boolean all = "RUNNING".equals(job.path("state").asText());
            for (JsonNode v : job.path("vertices")) {
                all &= "RUNNING".equals(v.path("status").asText());
            }
            if (all) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("job " + jobId + " did not get all its tasks running in " + timeout);
    }

    /** The TaskManagers (resource ids) that run a subtask of the operator chain whose name starts with {@code vertexName}. */
    public List<String> taskManagersRunning(String jobId, String vertexName) throws Exception {
        List<String> ids = new ArrayList<>();
        for (JsonNode v : rest("/jobs/" + jobId).path("vertices")) {
            if (v.path("name").asText().startsWith(vertexName)) {
                for (JsonNode s : rest("/jobs/" + jobId + "/vertices/"
                                + v.path("id").asText())
                        .path("subtasks")) {
                    ids.add(s.path("taskmanager-id").asText());
                }
            }
        }
        return ids;
    }

    /** Checkpoints of the job completed so far. */
    public long completedCheckpoints(String jobId) throws Exception {
        return rest("/jobs/" + jobId + "/checkpoints")
                .path("counts")
                .path("completed")
                .asLong();
    }

    /** How many times the job has restarted (failed and recovered) so far. */
    public int restarts(String jobId) throws Exception {
        return rest("/jobs/" + jobId + "/exceptions")
                .path("exceptionHistory")
                .path("entries")
                .size();
    }

    public int restPort() {
        return restPort;
    }

    public Path logs() {
        return dir.resolve("log");
    }

    /**
     * Copies the logs (JobManager, TaskManagers, command line) of the cluster started in
     * {@code clusterDir} into {@code to}, in place of what an earlier run left there, so a failed
     * test's logs outlive its temporary folder (and the cluster: it may be closed). A copy that fails
     * is reported and otherwise ignored: it must not hide the test's own outcome.
     */
    public static void keepLogs(Path clusterDir, Path to) {
        try (Stream<Path> files = Files.list(clusterDir.resolve("log"))) {
            if (Files.isDirectory(to)) {
                try (Stream<Path> old = Files.list(to)) {
                    for (Path f : (Iterable<Path>) old::iterator) {
                        Files.delete(f);
                    }
                }
            }
            Files.createDirectories(to);
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            System.out.println("Could not keep the cluster's logs: " + e);
        }
    }

    /** The job jar for {@code flink run}, as the job module's build leaves it in {@code jobModule/target}. */
    public static Path jobJar(Path jobModule) throws IOException {
        try (Stream<Path> files = Files.list(jobModule.resolve("target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-flink.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "no job jar in " + jobModule.resolve("target") + ": package the job module first"))
                    .toAbsolutePath();
        }
    }

    @Override
    public void close() {
        taskManagers.values().forEach(Process::destroyForcibly);
        jobManager.destroyForcibly();
        for (Process p : taskManagers.values()) {
            waitQuietly(p);
        }
        waitQuietly(jobManager);
    }

    private static void waitQuietly(Process p) {
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitRest(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                rest("/overview");
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !jobManager.isAlive()) {
                    throw new IOException("the JobManager's REST API did not come up; see " + logs(), e);
                }
                Thread.sleep(200);
            }
        }
    }

    /** Waits until {@code count} TaskManagers are registered. */
    public void awaitTaskManagers(int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (rest("/taskmanagers").path("taskmanagers").size() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fewer than " + count + " TaskManagers registered; see " + logs());
            }
            Thread.sleep(200);
        }
    }

    private static Process java(
            Path dir,
            Path conf,
            String classPath,
            String name,
            List<String> jvmArgs,
            String mainClass,
            List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(javaCommand()));
        command.addAll(jvmArgs);
        command.addAll(List.of(opens().split(" ")));
        command.addAll(List.of(
                "-Dlog.file=" + dir.resolve("log/" + name + ".log"),
                "-Dlog4j.configurationFile=file:" + conf.resolve("log4j.properties"),
                "-cp",
                classPath,
                mainClass));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("log/" + name + ".out").toFile());
        pb.environment().put("FLINK_CONF_DIR", conf.toString());
        return pb.start();
    }

    private static String javaCommand() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String opens() {
        return OPENS.stream().map(o -> "--add-opens=" + o + "=ALL-UNNAMED").collect(Collectors.joining(" "));
    }

    /**
     * Libraries the sandbox has for itself or for Herald (a job brings its own in its jar) that a
     * cluster's {@code lib/} does not hold. The Kafka connector above all: Flink loads
     * {@code org.apache.flink} classes parent-first, so a connector found here would be linked
     * against this Kafka client instead of the job's.
     */
    private static final List<String> NOT_IN_A_CLUSTER = List.of(
            "/io/herald/",
            "/org/apache/flink/flink-connector-kafka/",
            "/org/apache/kafka/",
            "/io/netty/",
            "/com/eatthepath/",
            "/dev/cel/",
            "/com/ibm/icu/",
            "/com/google/auth/",
            "/info/picocli/",
            "/me/tongfei/",
            "/org/scala-lang/");

    /**
     * The sandbox module's runtime class path (written beside its classes when it is packaged) without
     * Herald's own modules and libraries: Flink and what it runs with.
     */
    private static String flinkClassPath() throws IOException {
        Path classes;
        try {
            classes = Path.of(StandaloneFlink.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        Path written = classes.resolveSibling("classpath.txt");
        String all =
                Files.isRegularFile(written) ? Files.readString(written).trim() : System.getProperty("java.class.path");
        return Arrays.stream(all.split(File.pathSeparator))
                .filter(e -> NOT_IN_A_CLUSTER.stream().noneMatch(e::contains)
                        && !e.endsWith("classes")
                        && !Path.of(e).getFileName().toString().startsWith("herald-"))
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
