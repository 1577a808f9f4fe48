package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.cli.HeraldCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code ./herald demo --report FILE.html} writes a self-contained page whose charts hold the
 * campaign: every provider's rate line (APNs, FCM, web push) rises above zero, the fire-to-ack histogram has bars, and the
 * outcome bars add up to the receipts.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DemoReportIT {
    @TempDir
    Path dir;

    @Test
    void theDemoWritesAReportWithNonEmptyCharts() throws Exception {
        Path report = dir.resolve("report.html");
        int code = new CommandLine(new HeraldCommand())
                .execute("demo", "--users", "1500", "--web-ui-port", "0", "--report", report.toString());
        assertThat(code).isZero();
        String html = Files.readString(report);
        assertThat(html)
                .startsWith("<!DOCTYPE html>")
                .doesNotContain("<script")
                .doesNotContain("http://cdn")
                .doesNotContain("https://");

        List<String> lines = all(html, "<polyline[^>]*points=\"([^\"]+)\"");
        assertThat(lines).as("APNs, FCM and web push").hasSize(3);
        for (String points : lines) {
            double bottom = 250.0; // the charts' x axis
            assertThat(points.split(" "))
                    .anySatisfy(
                            p -> assertThat(Double.parseDouble(p.split(",")[1])).isLessThan(bottom));
        }
        assertThat(all(html, "<rect class=\"bar\"[^>]*height=\"([0-9.]+)\""))
                .as("histogram and outcome bars")
                .hasSizeGreaterThan(3)
                .allSatisfy(h -> assertThat(Double.parseDouble(h)).isPositive());
        long delivered = Long.parseLong(first(html, ">delivered</text>\\s*<rect[^>]*/>\\s*<text[^>]*>([\\d,]+)<")
                .replace(",", ""));
        long tableDelivered = Long.parseLong(
                first(html, "<td>delivered</td><td>([\\d,]+)</td>").replace(",", ""));
        assertThat(delivered).isEqualTo(tableDelivered).isPositive();
    }

    @Test
    void anExperimentsReportShowsItsArmsSideBySide() throws Exception {
        Path report = dir.resolve("experiment.html");
        int code = new CommandLine(new HeraldCommand())
                .execute(
                        "demo", "--experiment", "--users", "3000", "--web-ui-port", "0", "--report", report.toString());
        assertThat(code).isZero();
        String html = Files.readString(report);
        assertThat(html).contains("<h2>Arms</h2>").contains("Conversions per 1,000 users, by arm.");
        for (String arm : List.of("bold", "plain", "holdout")) {
            assertThat(html).as(arm + "'s row").containsPattern("<td>" + arm + "</td><td>[\\d,]+</td>");
        }
    }

    private static String first(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as(regex).isTrue();
        return m.group(1);
    }

    private static List<String> all(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }
}
