package io.herald;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.library.dependencies.Slice;
import io.herald.job.HeraldMain;
import io.herald.json.Json;
import io.herald.model.Campaign;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No cycles between Herald's packages, over the main classes of all four modules (this module depends on the
 * other three, so it is the one place that sees them all; a cycle can cross modules when a package is split
 * between two of them). What each module may depend on is checked in its own module: {@code UdfsLayersTest},
 * {@code ConnectorsLayersTest}.
 */
class PackageCyclesTest {
    private static JavaClasses herald;

    @BeforeAll
    static void importAllModules() throws IOException, URISyntaxException {
        // Cycles are looked for among Herald's classes only: no need to import Flink, Netty and the rest too.
        ArchConfiguration.get().setResolveMissingDependenciesFromClassPath(false);
        Set<Location> locations = new HashSet<>();
        for (Class<?> ofModule : new Class<?>[] {Campaign.class, Json.class, HeraldMain.class}) {
            // udfs, connectors, job: target/classes within the reactor, the module's jar otherwise.
            locations.add(location(Path.of(
                    ofModule.getProtectionDomain().getCodeSource().getLocation().toURI())));
        }
        // This module's own main classes: target/test-classes -> target/classes.
        Path testClasses = Path.of(PackageCyclesTest.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        locations.add(location(testClasses.resolveSibling("classes")));
        herald = new ClassFileImporter().importLocations(locations);
    }

    private static Location location(Path path) throws IOException {
        if (Files.isRegularFile(path)) {
            try (JarFile jar = new JarFile(path.toFile())) {
                return Location.of(jar);
            }
        }
        return Location.of(path);
    }

    /** model, state, campaign, json, kafka, delivery, job, sandbox, ...: each with all its subpackages. */
    @Test
    void topLevelPackagesHaveNoCycles() {
        slices().matching("io.herald.(*)..").should().beFreeOfCycles().check(herald);
    }

    /** job.cli, job.config, job.fanout, job.functions, job.state, ...: each with all its subpackages. */
    @Test
    void packagesOfTheJobHaveNoCycles() {
        slices().matching("io.herald.job.(*)..").should().beFreeOfCycles().check(herald);
    }

    /** Every package on its own, a package and its subpackages included (job and job.cli, say). */
    @Test
    void everyPackageHasNoCycles() {
        slices().matching("io.herald.(**)").should().beFreeOfCycles().check(herald);
    }

    /** The fan-out's operator package uses its walks, and the walks know nothing of it. */
    @Test
    void fanOutPackagesHaveNoCycles() {
        slices().matching("io.herald.job.(**)")
                .that(DescribedPredicate.describe(
                        "are the fan-out's", (Slice s) -> s.getNamePart(1).startsWith("fanout")))
                .should()
                .beFreeOfCycles()
                .check(herald);
    }
}
