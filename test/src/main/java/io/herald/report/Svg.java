package io.herald.report;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Charts as inline SVG: lines over time, a histogram with quantile markers, horizontal bars. Each
 * method returns one {@code <svg>} element with its axes, ticks and legend; every text is escaped.
 */
public final class Svg {
    private static final int WIDTH = 760;
    private static final int HEIGHT = 300;
    private static final int LEFT = 70;
    private static final int RIGHT = 20;
    private static final int TOP = 20;
    private static final int BOTTOM = 50;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

    private Svg() {}

    /** One named line of a {@link #lines} chart: y values at x = 0, step, 2 step, ... */
    public record Series(String name, double[] values) {}

    /**
     * A line chart of {@code series} sharing an x axis in steps of {@code xStep}.
     *
     * @param xLabel the x axis' name (for instance "seconds after the fire")
     * @param yLabel the y axis' name (for instance "notifications per second")
     */
    public static String lines(List<Series> series, double xStep, String xLabel, String yLabel) {
        int points = series.stream().mapToInt(s -> s.values().length).max().orElse(0);
        double xMax = Math.max(xStep, (points - 1) * xStep);
        double yMax = niceCeiling(series.stream()
                .flatMapToDouble(s -> Arrays.stream(s.values()))
                .max()
                .orElse(1));
        StringBuilder svg = open();
        axes(svg, xMax, yMax, xLabel, yLabel);
        for (int i = 0; i < series.size(); i++) {
            double[] v = series.get(i).values();
            StringBuilder pts = new StringBuilder();
            for (int p = 0; p < v.length; p++) {
                pts.append(fmt(x(p * xStep, xMax)))
                        .append(',')
                        .append(fmt(y(v[p], yMax)))
                        .append(' ');
            }
            svg.append("<polyline class=\"series\" fill=\"none\" stroke-width=\"2\" stroke=\"")
                    .append(colour(i))
                    .append("\" points=\"")
                    .append(pts.toString().trim())
                    .append("\"/>\n");
        }
        legend(svg, series.stream().map(Series::name).toList());
        return svg.append("</svg>\n").toString();
    }

    /**
     * Counts per bucket of {@code bucketWidth} as bars, with a dashed line at each of {@code markers}
     * (name to x value: "p50" to 1200, say).
     */
    public static String histogram(
            long[] counts, double bucketWidth, String xLabel, String yLabel, Map<String, Double> markers) {
        double xMax = Math.max(bucketWidth, counts.length * bucketWidth);
        long most = 1;
        for (long c : counts) {
            most = Math.max(most, c);
        }
        double yMax = niceCeiling(most);
        StringBuilder svg = open();
        axes(svg, xMax, yMax, xLabel, yLabel);
        double barWidth = Math.max(0.5, (WIDTH - LEFT - RIGHT) / (double) Math.max(1, counts.length));
        for (int b = 0; b < counts.length; b++) {
            if (counts[b] == 0) {
                continue;
            }
            double top = y(counts[b], yMax);
            svg.append("<rect class=\"bar\" fill=\"")
                    .append(colour(0))
                    .append("\" x=\"")
                    .append(fmt(x(b * bucketWidth, xMax)))
                    .append("\" y=\"")
                    .append(fmt(top))
                    .append("\" width=\"")
                    .append(fmt(barWidth))
                    .append("\" height=\"")
                    .append(fmt(HEIGHT - BOTTOM - top))
                    .append("\"/>\n");
        }
        int i = 1;
        for (Map.Entry<String, Double> m : markers.entrySet()) {
            double mx = x(Math.min(m.getValue(), xMax), xMax);
            svg.append("<line stroke=\"")
                    .append(colour(i))
                    .append("\" stroke-dasharray=\"5,4\" x1=\"")
                    .append(fmt(mx))
                    .append("\" x2=\"")
                    .append(fmt(mx))
                    .append("\" y1=\"")
                    .append(TOP)
                    .append("\" y2=\"")
                    .append(HEIGHT - BOTTOM)
                    .append("\"/>\n");
            boolean right = mx > WIDTH * 0.75;
            svg.append("<text font-size=\"12\" fill=\"")
                    .append(colour(i))
                    .append(right ? "\" text-anchor=\"end" : "")
                    .append("\" x=\"")
                    .append(fmt(right ? mx - 4 : mx + 4))
                    .append("\" y=\"")
                    .append(TOP + 14 * i)
                    .append("\">")
                    .append(escape(m.getKey() + " " + String.format(Locale.ROOT, "%,.0f", m.getValue())))
                    .append("</text>\n");
            i++;
        }
        return svg.append("</svg>\n").toString();
    }

    /** One horizontal bar per entry, longest first as given, with its value written beside it. */
    public static String bars(Map<String, Long> values) {
        int rowHeight = 24;
        int height = TOP + rowHeight * Math.max(1, values.size()) + 10;
        long most = Math.max(
                1, values.values().stream().mapToLong(Long::longValue).max().orElse(1));
        int labelWidth = 260;
        int barSpace = WIDTH - labelWidth - 110;
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(WIDTH)
                .append("\" height=\"")
                .append(height)
                .append("\" viewBox=\"0 0 ")
                .append(WIDTH)
                .append(' ')
                .append(height)
                .append("\" font-family=\"sans-serif\">\n");
        int row = 0;
        for (Map.Entry<String, Long> e : values.entrySet()) {
            int top = TOP + row * rowHeight;
            double w = Math.max(e.getValue() > 0 ? 1 : 0, barSpace * (double) e.getValue() / most);
            svg.append("<text font-size=\"13\" text-anchor=\"end\" x=\"")
                    .append(labelWidth - 8)
                    .append("\" y=\"")
                    .append(top + 16)
                    .append("\">")
                    .append(escape(e.getKey()))
                    .append("</text>\n");
            svg.append("<rect class=\"bar\" fill=\"")
                    .append(colour(row))
                    .append("\" x=\"")
                    .append(labelWidth)
                    .append("\" y=\"")
                    .append(top + 3)
                    .append("\" width=\"")
                    .append(fmt(w))
                    .append("\" height=\"")
                    .append(rowHeight - 6)
                    .append("\"/>\n");
            svg.append("<text font-size=\"13\" x=\"")
                    .append(fmt(labelWidth + w + 6))
                    .append("\" y=\"")
                    .append(top + 16)
                    .append("\">")
                    .append(String.format(Locale.ROOT, "%,d", e.getValue()))
                    .append("</text>\n");
            row++;
        }
        return svg.append("</svg>\n").toString();
    }

    /** Escapes text for HTML and SVG. */
    public static String escape(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    private static StringBuilder open() {
        return new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + WIDTH + "\" height=\"" + HEIGHT
                + "\" viewBox=\"0 0 " + WIDTH + " " + HEIGHT + "\" font-family=\"sans-serif\">\n");
    }

    private static void axes(StringBuilder svg, double xMax, double yMax, String xLabel, String yLabel) {
        int bottom = HEIGHT - BOTTOM;
        svg.append("<line stroke=\"#333\" x1=\"")
                .append(LEFT)
                .append("\" y1=\"")
                .append(bottom)
                .append("\" x2=\"")
                .append(WIDTH - RIGHT)
                .append("\" y2=\"")
                .append(bottom)
                .append("\"/>\n");
        svg.append("<line stroke=\"#333\" x1=\"")
                .append(LEFT)
                .append("\" y1=\"")
                .append(TOP)
                .append("\" x2=\"")
                .append(LEFT)
                .append("\" y2=\"")
                .append(bottom)
                .append("\"/>\n");
        for (int t = 0; t <= 5; t++) {
            double xv = xMax * t / 5;
            double yv = yMax * t / 5;
            svg.append("<text font-size=\"11\" text-anchor=\"middle\" x=\"")
                    .append(fmt(x(xv, xMax)))
                    .append("\" y=\"")
                    .append(bottom + 16)
                    .append("\">")
                    .append(tick(xv))
                    .append("</text>\n");
            svg.append("<text font-size=\"11\" text-anchor=\"end\" x=\"")
                    .append(LEFT - 6)
                    .append("\" y=\"")
                    .append(fmt(y(yv, yMax) + 4))
                    .append("\">")
                    .append(tick(yv))
                    .append("</text>\n");
            if (t > 0) {
                svg.append("<line stroke=\"#ddd\" x1=\"")
                        .append(LEFT + 1)
                        .append("\" x2=\"")
                        .append(WIDTH - RIGHT)
                        .append("\" y1=\"")
                        .append(fmt(y(yv, yMax)))
                        .append("\" y2=\"")
                        .append(fmt(y(yv, yMax)))
                        .append("\"/>\n");
            }
        }
        svg.append("<text font-size=\"12\" text-anchor=\"middle\" x=\"")
                .append((LEFT + WIDTH - RIGHT) / 2)
                .append("\" y=\"")
                .append(HEIGHT - 10)
                .append("\">")
                .append(escape(xLabel))
                .append("</text>\n");
        svg.append("<text font-size=\"12\" text-anchor=\"middle\" transform=\"translate(14,")
                .append((TOP + bottom) / 2)
                .append(") rotate(-90)\">")
                .append(escape(yLabel))
                .append("</text>\n");
    }

    private static void legend(StringBuilder svg, List<String> names) {
        int x = LEFT + 12;
        for (int i = 0; i < names.size(); i++) {
            svg.append("<rect fill=\"")
                    .append(colour(i))
                    .append("\" x=\"")
                    .append(x)
                    .append("\" y=\"")
                    .append(TOP + 2)
                    .append("\" width=\"12\" height=\"12\"/>\n");
            svg.append("<text font-size=\"12\" x=\"")
                    .append(x + 16)
                    .append("\" y=\"")
                    .append(TOP + 12)
                    .append("\">")
                    .append(escape(names.get(i)))
                    .append("</text>\n");
            x += 30 + 8 * names.get(i).length();
        }
    }

    private static double x(double value, double xMax) {
        return LEFT + (WIDTH - LEFT - RIGHT) * value / xMax;
    }

    private static double y(double value, double yMax) {
        return HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * value / yMax;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code v}. */
    public static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String tick(double v) {
        return v >= 10_000
                ? String.format(Locale.ROOT, "%,.0fk", v / 1000)
                : v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String colour(int i) {
        return COLOURS[i % COLOURS.length];
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
