package io.herald.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** A self-contained HTML page: a title, then sections of text, tables and {@link Svg} charts, in order. */
public final class ReportPage {
    private final String title;
    private final StringBuilder body = new StringBuilder();

    public ReportPage(String title) {
        this.title = title;
    }

    public ReportPage heading(String text) {
        body.append("<h2>").append(Svg.escape(text)).append("</h2>\n");
        return this;
    }

    public ReportPage paragraph(String text) {
        body.append("<p>").append(Svg.escape(text)).append("</p>\n");
        return this;
    }

    /** A table; every cell is text, escaped. */
    public ReportPage table(List<String> header, List<List<String>> rows) {
        body.append("<table>\n<tr>");
        header.forEach(h -> body.append("<th>").append(Svg.escape(h)).append("</th>"));
        body.append("</tr>\n");
        for (List<String> row : rows) {
            body.append("<tr>");
            row.forEach(c -> body.append("<td>").append(Svg.escape(c)).append("</td>"));
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** A chart made by {@link Svg}, under a caption. */
    public ReportPage chart(String caption, String svg) {
        body.append("<figure>\n")
                .append(svg)
                .append("<figcaption>")
                .append(Svg.escape(caption))
                .append("</figcaption>\n</figure>\n");
        return this;
    }

    public String html() {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + Svg.escape(title)
                + "</title>\n<style>\nbody{font-family:sans-serif;max-width:820px;margin:2em auto;color:#222}\n"
                + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}\n"
                + "th{background:#f3f3f3}figure{margin:1.5em 0}figcaption{font-size:0.9em;color:#555}\n</style>\n</head>\n<body>\n<h1>"
                + Svg.escape(title) + "</h1>\n<p class=\"made\">Written " + Instant.now() + " by Herald.</p>\n" + body
                + "</body>\n</html>\n";
    }

    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, html(), StandardCharsets.UTF_8);
    }
}
