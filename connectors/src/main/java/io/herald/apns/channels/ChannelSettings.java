package io.herald.apns.channels;

/**
 * A channel as APNs describes it.
 *
 * @param channelId the channel's id (base64, made by APNs)
 * @param storagePolicy whether APNs keeps the channel's latest message for devices offline
 * @param pushType the push type the channel carries ({@code LiveActivity})
 */
public record ChannelSettings(String channelId, StoragePolicy storagePolicy, String pushType) {}
