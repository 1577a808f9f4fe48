package io.herald.model;

/** APNs-only options of a campaign's message: the {@code aps} fields and headers real apps use. */
public class ApnsOptions {
    public String subtitle;
    public Integer badge;
    public String threadId;
    public String category;
    public Boolean mutableContent;
    /** A silent, background push: {@code content-available}, push type background, no alert. */
    public Boolean contentAvailable;
    /** {@code passive}, {@code active}, {@code time-sensitive} or {@code critical}. */
    public String interruptionLevel;

    public Double relevanceScore;
    /** 10 (immediate, the default) or 5 (conserve power; always for background pushes). */
    public Integer priority;

    public ApnsOptions() {}
}
