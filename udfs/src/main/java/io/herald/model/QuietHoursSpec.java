package io.herald.model;

/**
 * Quiet hours as an app's configuration or a campaign states them: no campaign notification is
 * delivered between {@link #from} and {@link #to} in the device's own zone. A campaign's overrides
 * its app's; {@code "off": true} on a campaign sends it whatever the hour.
 */
public class QuietHoursSpec {
    /** Start of the quiet window, a time of day ("22:00"). */
    public String from;
    /** End of the quiet window ("08:00"); before {@link #from} for a window across midnight. */
    public String to;
    /** {@code "hold"} (the default): sent when the window ends; {@code "drop"}: not sent, with a receipt. */
    public String action;
    /** On a campaign: true to ignore quiet hours. */
    public Boolean off;

    public QuietHoursSpec() {}
}
