package io.herald.model;

/** FCM-only options of a campaign's message: the {@code android} block of an HTTP v1 message. */
public class AndroidOptions {
    /** {@code high} (the default) or {@code normal}. */
    public String priority;

    public String channelId;
    public String tag;
    public String color;
    public String icon;

    public AndroidOptions() {}
}
