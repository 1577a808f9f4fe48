package io.herald;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The udfs module is pure functions and the model: it runs inside Flink's operators but knows nothing of
 * Flink's runtime, of Netty or of Kafka, so that it can be tested, and reasoned about, on its own.
 */
class UdfsLayersTest {
    private static JavaClasses udfs;

    @BeforeAll
    static void importThisModule() throws URISyntaxException {
        // The rules read only the names of what these classes use: no need to import Flink, Netty and the rest too.
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
        // target/test-classes -> target/classes: this module's own classes, none of its dependencies'.
        Path testClasses = Path.of(UdfsLayersTest.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        udfs = new ClassFileImporter().importPath(testClasses.resolveSibling("classes"));
    }

    @Test
    void udfsKnowNoFlinkRuntimeNettyOrKafka() {
        noClasses()
                .that()
                .resideInAPackage("io.herald..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.apache.flink.runtime..",
                        "org.apache.flink.streaming..",
                        "io.netty..",
                        "org.apache.kafka..")
                .because(
                        "udfs holds pure functions and the model; operators, I/O and clients live in connectors and job")
                .check(udfs);
    }
}
