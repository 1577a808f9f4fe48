package io.herald.model;

import java.util.HashMap;
import java.util.Map;

/**
 * What a campaign says: a variant per locale (ICU MessageFormat templates over the user's
 * attributes), the locale to fall back to, defaults for attributes a user lacks, and custom data.
 */
public class Message {
    public String defaultLocale;
    public Map<String, Content> variants = new HashMap<>();
    public Map<String, String> defaults = new HashMap<>();
    public Map<String, String> data = new HashMap<>();
    public String sound;
    public ApnsOptions apns = new ApnsOptions();
    public AndroidOptions android = new AndroidOptions();

    public Message() {}
}
