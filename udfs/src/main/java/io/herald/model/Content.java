package io.herald.model;

/** The visible text of a notification in one locale: ICU MessageFormat templates. */
public class Content {
    public String title;
    public String body;

    public Content() {}

    public Content(String title, String body) {
        this.title = title;
        this.body = body;
    }
}
