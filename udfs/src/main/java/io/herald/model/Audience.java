package io.herald.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Who a campaign is for. {@link Kind#ALL} is every reachable device of the campaign's app;
 * {@link Kind#LIST} is the users of an uploaded list. The segment fields narrow either kind: a
 * device matches when its platform is listed (if any are), its locale falls under a listed locale
 * (if any are: {@code pt} covers {@code pt-BR}), and it has every listed tag.
 */
public class Audience {
    /** Where the audience comes from. */
    public enum Kind {
        ALL,
        SEGMENT,
        LIST
    }

    public Kind kind = Kind.ALL;
    public List<Platform> platforms = new ArrayList<>();
    public List<String> locales = new ArrayList<>();
    public List<String> tags = new ArrayList<>();

    public Audience() {}
}
