package io.herald;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The connectors serve the job and never the other way round: nothing here knows the job. */
class ConnectorsLayersTest {
    private static JavaClasses connectors;

    @BeforeAll
    static void importThisModule() throws URISyntaxException {
        // The rules read only the names of what these classes use: no need to import Flink, Netty and the rest too.
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
        // target/test-classes -> target/classes: this module's own classes, none of its dependencies'.
        Path testClasses = Path.of(ConnectorsLayersTest.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        connectors = new ClassFileImporter().importPath(testClasses.resolveSibling("classes"));
    }

    @Test
    void connectorsKnowNothingOfTheJob() {
        noClasses()
                .that()
                .resideInAPackage("io.herald..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.herald.job..")
                .because("the job is built from the connectors, so they must not reach back into it")
                .check(connectors);
    }
}
