package io.herald.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class SvgTest {
    @Test
    void aLineChartHasOnePointPerValueAndRisesWithTheValues() {
        String svg = Svg.lines(
                List.of(new Svg.Series("APNs", new double[] {0, 50, 100}), new Svg.Series("FCM", new double[] {10, 10
                })),
                0.1,
                "seconds",
                "per second");
        List<String> polylines = all(svg, "<polyline[^>]*points=\"([^\"]+)\"");
        assertThat(polylines).hasSize(2);
        String[] apns = polylines.get(0).split(" ");
        assertThat(apns).hasSize(3);
        // SVG's y grows downwards: the larger value sits higher.
        assertThat(y(apns[2])).isLessThan(y(apns[1])).isLessThan(y(apns[0]));
        assertThat(svg).contains(">APNs<").contains(">FCM<");
    }

    @Test
    void aHistogramDrawsABarPerNonEmptyBucketWithItsHeightInProportion() {
        String svg = Svg.histogram(new long[] {0, 10, 20, 0, 5}, 100, "ms", "notifications", Map.of("p50", 150.0));
        List<String> heights = all(svg, "<rect class=\"bar\"[^>]*height=\"([0-9.]+)\"");
        assertThat(heights).hasSize(3);
        assertThat(Double.parseDouble(heights.get(1)))
                .isEqualTo(2 * Double.parseDouble(heights.get(0)), Offset.offset(0.2));
        assertThat(svg).contains("p50 150");
    }

    @Test
    void textFromOutsideIsEscaped() {
        String html = new ReportPage("<b>title</b>")
                .table(List.of("reason"), List.of(List.of("<script>alert(1)</script>")))
                .chart("c", Svg.bars(Map.of("ios \"<img src=x>\"", 3L)))
                .html();
        assertThat(html).doesNotContain("<script").doesNotContain("<img").doesNotContain("<b>title");
        assertThat(html).contains("&lt;script&gt;");
    }

    @Test
    void niceCeilingsAreOneTwoOrFiveTimesAPowerOfTen() {
        assertThat(Svg.niceCeiling(7)).isEqualTo(10);
        assertThat(Svg.niceCeiling(130)).isEqualTo(200);
        assertThat(Svg.niceCeiling(4_100)).isEqualTo(5_000);
        assertThat(Svg.niceCeiling(0)).isEqualTo(1);
    }

    private static double y(String point) {
        return Double.parseDouble(point.split(",")[1]);
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
