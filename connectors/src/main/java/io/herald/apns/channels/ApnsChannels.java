package io.herald.apns.channels;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.apns.ApnsApp;
import io.herald.apns.ApnsErrorBody;
import io.herald.apns.ApnsProviderToken;
import io.herald.http2.Http2Connections;
import io.herald.json.Json;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A client for APNs's channel management API, for one app's key: creates, lists, reads and deletes
 * the broadcast channels Live Activities subscribe to ({@code /1/apps/{bundleId}/channels} on the
 * management host, HTTP/2, {@code authorization: bearer} with the provider token). Every call returns
 * at once; its future completes on the connection's event loop with APNs's answer, or fails with an
 * {@link ApnsChannelException} (APNs refused: status and reason) or with the I/O failure.
 *
 * <p>{@link #forApp} makes a client with an event loop of its own, closed with it (a command line);
 * {@link #using} one on an event loop it is given and leaves open (a provider's session).
 */
public final class ApnsChannels implements AutoCloseable {
    /** A bundle id as Apple allows it (letters, digits, dots, hyphens): it goes into the path. */
    private static final Pattern BUNDLE_ID = Pattern.compile("[A-Za-z0-9.-]+");

    private static final String CHANNEL_ID = "apns-channel-id";
    private static final String REQUEST_ID = "apns-request-id";

    private final Http2Connections connections;
    private final ApnsProviderToken token;
    /** The event loop this client made, closed with it; null if it was given one. */
    private final EventLoopGroup ownEventLoop;

    private ApnsChannels(Http2Connections connections, ApnsProviderToken token, EventLoopGroup ownEventLoop) {
        this.connections = connections;
        this.token = token;
        this.ownEventLoop = ownEventLoop;
    }

    /**
     * A client for {@code app} (its key, its {@link ApnsApp#channelsOrigin()}, its trusted
     * certificates) on an event loop of its own, one thread, closed by {@link #close()}.
     */
    public static ApnsChannels forApp(ApnsApp app) throws Exception {
        ApnsProviderToken token = new ApnsProviderToken(app.signingKey());
        EventLoopGroup eventLoop = new NioEventLoopGroup(1, new DefaultThreadFactory("apns-channels", true));
        try {
            return new ApnsChannels(connections(app, eventLoop), token, eventLoop);
        } catch (Exception | Error e) {
            eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** A client for {@code app} on {@code eventLoop}, with {@code token}; closing it leaves the event loop open. */
    public static ApnsChannels using(ApnsApp app, ApnsProviderToken token, EventLoopGroup eventLoop) throws Exception {
        return new ApnsChannels(connections(app, eventLoop), token, null);
    }

    private static Http2Connections connections(ApnsApp app, EventLoopGroup eventLoop) throws Exception {
        // Management is a few requests now and then: one connection.
        return new Http2Connections(app.channelsOrigin(), app.trustedCertificates(), 1, eventLoop);
    }

    /** Creates a Live Activity channel for {@code bundleId}; the future gives its id. */
    public CompletableFuture<String> create(String bundleId, StoragePolicy storagePolicy) {
        String body = "{\"message-storage-policy\":" + storagePolicy.code + ",\"push-type\":\"LiveActivity\"}";
        Http2Headers headers = headers(null).set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        return send("create a channel", HttpMethod.POST, channels(bundleId), headers, body)
                .thenApply(response -> {
                    String id = response.header(CHANNEL_ID);
                    if (id == null || id.isEmpty()) {
                        throw new ApnsChannelException(
                                "create a channel",
                                response.status,
                                "NoChannelIdInResponse",
                                response.header(REQUEST_ID));
                    }
                    return id;
                });
    }

    /** The ids of every channel {@code bundleId} has. */
    public CompletableFuture<List<String>> list(String bundleId) {
        return send("list channels", HttpMethod.GET, path(bundleId, "/all-channels"), headers(null), null)
                .thenApply(response -> {
                    List<String> ids = new ArrayList<>();
                    for (JsonNode id : json(response.body).path("channels")) {
                        ids.add(id.asText());
                    }
                    return List.copyOf(ids);
                });
    }

    /** A channel's settings. */
    public CompletableFuture<ChannelSettings> read(String bundleId, String channelId) {
        return send("read a channel", HttpMethod.GET, channels(bundleId), headers(channelId), null)
                .thenApply(response -> {
                    JsonNode settings = json(response.body);
                    return new ChannelSettings(
                            channelId,
                            StoragePolicy.of(
                                    settings.path("message-storage-policy").asInt()),
                            settings.path("push-type").asText(null));
                });
    }

    /** Deletes a channel: devices subscribed to it hear nothing more on it. */
    public CompletableFuture<Void> delete(String bundleId, String channelId) {
        return send("delete a channel", HttpMethod.DELETE, channels(bundleId), headers(channelId), null)
                .thenApply(response -> null);
    }

    private static String channels(String bundleId) {
        return path(bundleId, "/channels");
    }

    private static String path(String bundleId, String rest) {
        if (bundleId == null || !BUNDLE_ID.matcher(bundleId).matches()) {
            throw new IllegalArgumentException("not a bundle id: " + bundleId);
        }
        return "/1/apps/" + bundleId + rest;
    }

    /** The headers every request has, with the channel's id when it is about one. */
    private Http2Headers headers(String channelId) {
        Http2Headers headers = new DefaultHttp2Headers()
                .set(HttpHeaderNames.AUTHORIZATION, token.authorization())
                .set(REQUEST_ID, UUID.randomUUID().toString());
        if (channelId != null) {
            if (channelId.isBlank()) {
                throw new IllegalArgumentException("no channel id");
            }
            headers.set(CHANNEL_ID, channelId);
        }
        return headers;
    }

    /** Sends a request; a response other than 2xx fails the future with an {@link ApnsChannelException}. */
    private CompletableFuture<Http2Connections.Response> send(
            String operation, HttpMethod method, String path, Http2Headers headers, String body) {
        String requestId = headers.get(REQUEST_ID).toString();
        return connections
                .exchange(method, path, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8), null)
                .thenApply(response -> {
                    if (response.status < 200 || response.status >= 300) {
                        String echoed = response.header(REQUEST_ID);
                        throw new ApnsChannelException(
                                operation,
                                response.status,
                                ApnsErrorBody.reason(response.body),
                                echoed == null ? requestId : echoed);
                    }
                    return response;
                });
    }

    private static JsonNode json(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (Exception e) {
            throw new CompletionException(new IllegalStateException("APNs answered with a body that is not JSON", e));
        }
    }

    @Override
    public void close() {
        connections.close();
        if (ownEventLoop != null) {
            ownEventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
