package io.herald.job.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.File;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.FallbackKey;
import org.junit.jupiter.api.Test;

/**
 * The manifests Herald ships are checked, not trusted: the FlinkDeployment against the CRD schema of
 * the operator's own api artifact, strictly (an unknown or mistyped field fails), and every Flink
 * setting in it and in {@code flink-conf/config.yaml} against the options Flink 2.2 defines.
 */
class ManifestsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MANIFEST = Path.of("..", "k8s", "herald-deployment.yaml");
    private static final Path FLINK_CONF = Path.of("..", "flink-conf", "config.yaml");
    /** Newer than the schema of the newest operator api these machines can fetch (1.10.0): checked by name. */
    private static final String FLINK_VERSION = "v2_2";

    private static ObjectNode flinkDeployment() throws Exception {
        try (var docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(Files.readString(MANIFEST))) {
            while (docs.hasNext()) {
                JsonNode doc = docs.next();
                if ("FlinkDeployment".equals(doc.path("kind").asText())) {
                    return (ObjectNode) doc;
                }
            }
        }
        throw new AssertionError("no FlinkDeployment in " + MANIFEST);
    }

    /** The CRD's schema, made strict: an object that lists its properties takes no others. */
    private static Schema crdSchema() throws Exception {
        JsonNode crd;
        try (InputStream in = ManifestsTest.class.getResourceAsStream(
                "/META-INF/fabric8/flinkdeployments.flink.apache.org-v1beta1.yml")) {
            crd = YAML.readTree(in);
        }
        // The file is a CustomResourceDefinition of apiextensions v1beta1: one schema, under spec.validation.
        JsonNode schema = crd.path("spec").path("validation").path("openAPIV3Schema");
        assertThat(schema.isObject()).as("the CRD's schema").isTrue();
        // What Kubernetes defines for every resource, beside the CRD's own spec and status.
        ObjectNode root = (ObjectNode) schema.path("properties");
        root.putObject("apiVersion").put("type", "string");
        root.putObject("kind").put("type", "string");
        root.putObject("metadata").put("type", "object");
        strict(schema);
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
                .getSchema(JSON.writeValueAsString(schema), InputFormat.JSON);
    }

    private static void strict(JsonNode node) {
        if (node instanceof ObjectNode o) {
            if (o.has("properties")
                    && !o.has("additionalProperties")
                    && !o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
                o.put("additionalProperties", false);
            }
        }
        for (JsonNode child : node) {
            strict(child);
        }
    }

    private static List<String> errors(Schema schema, JsonNode deployment) throws Exception {
        List<String> messages = new ArrayList<>();
        for (Error e : schema.validate(JSON.writeValueAsString(deployment), InputFormat.JSON)) {
            messages.add(e.getInstanceLocation() + ": " + e.getMessage());
        }
        return messages;
    }

    @Test
    void theFlinkDeploymentMatchesTheOperatorsSchema_unknownAndMistypedFieldsFail() throws Exception {
        Schema schema = crdSchema();
        ObjectNode deployment = flinkDeployment();
        assertThat(deployment.path("spec").path("flinkVersion").asText()).isEqualTo(FLINK_VERSION);
        ObjectNode checked = deployment.deepCopy();
        ((ObjectNode) checked.get("spec")).remove("flinkVersion");
        assertThat(errors(schema, checked)).isEmpty();

        ObjectNode misspelled = checked.deepCopy();
        ((ObjectNode) misspelled.get("spec"))
                .set("jobManger", misspelled.get("spec").get("jobManager"));
        assertThat(errors(schema, misspelled)).as("an unknown field").isNotEmpty();
        ObjectNode mistyped = checked.deepCopy();
        ((ObjectNode) mistyped.get("spec").get("taskManager").get("resource")).put("cpu", "two");
        assertThat(errors(schema, mistyped)).as("a mistyped field").isNotEmpty();
    }

    /** Every key of Flink's options classes on the class path (and their deprecated and fallback keys). */
    private static Set<String> flinkOptionKeys() throws Exception {
        Set<String> keys = new HashSet<>();
        for (String jar : System.getProperty("java.class.path").split(File.pathSeparator)) {
            if (!jar.contains("/org/apache/flink/") || !jar.endsWith(".jar")) {
                continue;
            }
            try (JarFile file = new JarFile(jar)) {
                for (Enumeration<JarEntry> en = file.entries(); en.hasMoreElements(); ) {
                    String name = en.nextElement().getName();
                    if (!name.endsWith("Options.class") || name.contains("$")) {
                        continue;
                    }
                    Class<?> c;
                    try {
                        c = Class.forName(
                                name.replace('/', '.').replace(".class", ""),
                                false,
                                ManifestsTest.class.getClassLoader());
                    } catch (Throwable notLoadable) {
                        continue;
                    }
                    try {
                        for (Field f : c.getFields()) {
                            if (Modifier.isStatic(f.getModifiers())
                                    && ConfigOption.class.isAssignableFrom(f.getType())) {
                                ConfigOption<?> o = (ConfigOption<?>) f.get(null);
                                keys.add(o.key());
                                for (FallbackKey k : o.fallbackKeys()) {
                                    keys.add(k.getKey());
                                }
                            }
                        }
                    } catch (Throwable needsWhatIsNotHere) {
                        // An options class of a module not on this class path (the Table API's): not Herald's.
                    }
                }
            }
        }
        return keys;
    }

    private static List<String> unknown(List<String> keys, Set<String> known) {
        return keys.stream().filter(k -> !known.contains(k) && !pluginOption(k)).toList();
    }

    /** Options of plugins and the operator, named by prefix: a reporter's own settings, the operator's. */
    private static boolean pluginOption(String key) {
        return key.startsWith("metrics.reporter.") || key.startsWith("kubernetes.operator.");
    }

    private static void flatten(String prefix, JsonNode node, List<String> keys) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), keys);
            }
        } else {
            keys.add(prefix);
        }
    }

    @Test
    void everyFlinkSettingShippedIsAnOptionFlinkKnows() throws Exception {
        Set<String> known = flinkOptionKeys();
        assertThat(known)
                .as("options found on the class path")
                .contains("execution.checkpointing.interval", "state.backend.type", "taskmanager.numberOfTaskSlots");
        List<String> shipped = new ArrayList<>();
        flinkDeployment().path("spec").path("flinkConfiguration").fieldNames().forEachRemaining(shipped::add);
        flatten("", YAML.readTree(Files.readString(FLINK_CONF)), shipped);
        assertThat(shipped).hasSizeGreaterThan(10);
        assertThat(unknown(shipped, known)).as("unknown Flink options").isEmpty();
        assertThat(unknown(List.of("execution.checkpointing.intervall", "metrics.reporter.prom.port"), known))
                .as("the check can fail")
                .containsExactly("execution.checkpointing.intervall");
    }
}
