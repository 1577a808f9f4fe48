package io.herald.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Who a campaign is for. {@link Kind#ALL} is every reachable device of the campaign's app;
 * {@link Kind#LIST} is the users of an uploaded list. The segment fields narrow either kind: a
 * device matches when its platform is listed (if any are), its locale falls under a listed locale
 * (if any are: {@code pt} covers {@code pt-BR}), it has every listed tag, and it satisfies the CEL
 * {@link #expression} if there is one.
 */
public class Audience {
    /** Where the audience comes from. */
    public enum Kind {
        ALL,
        SEGMENT,
        LIST
    }

    /** Required: a missing kind is refused, never taken for {@link Kind#ALL}. */
    public Kind kind;

    public List<Platform> platforms = new ArrayList<>();
    public List<String> locales = new ArrayList<>();
    public List<String> tags = new ArrayList<>();
    /** Test devices: when set, only these device ids (a campaign tried on the team's own phones first). */
    public List<String> deviceIds = new ArrayList<>();
    /** A CEL expression every targeted device must satisfy (see {@code SegmentExpression}), or null. */
    public String expression;

    public Audience() {}

    /** Every reachable device of the campaign's app. */
    public static Audience all() {
        Audience a = new Audience();
        a.kind = Kind.ALL;
        return a;
    }
}
