package io.herald.apns;

import io.herald.delivery.Attempt;
import io.herald.delivery.ProviderAnswers;
import io.herald.delivery.ProviderReply;
import io.herald.http2.Http2Connections;
import io.herald.model.SendRequest;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * One app's broadcasts: a Live Activity update sent once to a channel, for every device subscribed
 * to it, whatever the audience ({@code POST /4/broadcasts/apps/{bundleId}} on APNs's push host, over
 * Herald's {@link Http2Connections}, since Pushy sends to tokens only). Each answer is read with
 * {@link #ANSWERS}; the connections say when a request went out whole ({@link Attempt#written()})
 * and when APNs did not take it, as for FCM.
 */
final class ApnsBroadcasts implements AutoCloseable {
    /**
     * APNs's answers to a broadcast. No token is involved, so none is dead: a channel that does not
     * exist or is malformed ({@code ChannelNotRegistered}, {@code BadChannelId},
     * {@code MissingChannelId}) is refused for this notification, as is broadcast not enabled for
     * the key ({@code FeatureNotEnabled}: a 403 about the feature, not the provider token, so the
     * app's pushes to tokens go on); a 403 for the provider token refuses the credentials; 429 and
     * 5xx are worth another try.
     */
    static final ProviderAnswers ANSWERS = ProviderAnswers.forProvider("APNs")
            .credentialsRefused(403, "InvalidProviderToken", "ExpiredProviderToken", "MissingProviderToken")
            .build();

    private static final AsciiString CHANNEL_ID = AsciiString.cached("apns-channel-id");
    private static final AsciiString PUSH_TYPE = AsciiString.cached("apns-push-type");
    private static final AsciiString LIVE_ACTIVITY = AsciiString.cached("liveactivity");
    private static final AsciiString PRIORITY = AsciiString.cached("apns-priority");
    private static final AsciiString EXPIRATION = AsciiString.cached("apns-expiration");

    private final Http2Connections connections;
    private final AsciiString path;
    private final ApnsProviderToken token;

    ApnsBroadcasts(ApnsApp app, ApnsProviderToken token, int connections, EventLoopGroup eventLoop) throws Exception {
        this.connections =
                new Http2Connections(app.broadcastOrigin(), app.trustedCertificates(), connections, eventLoop);
        this.path = AsciiString.of("/4/broadcasts/apps/" + app.topic);
        this.token = token;
    }

    /** Sends {@code attempt}'s request to its channel. */
    CompletableFuture<ProviderReply> send(Attempt attempt) {
        SendRequest request = attempt.request();
        return connections
                .post(
                        path,
                        headers(request, token.authorization()),
                        request.payload.getBytes(StandardCharsets.UTF_8),
                        attempt::written)
                .thenApply(response -> reply(
                        request,
                        response.status,
                        response.body,
                        ProviderAnswers.retryAfterMs(response.retryAfter),
                        System.currentTimeMillis()));
    }

    /**
     * The request's headers: its channel, push type {@code liveactivity}, its priority, and its
     * expiration (epoch seconds; 0, delivered once and never stored, when it has none: an update
     * that could not be delivered at once is soon stale, and the channel's storage policy decides
     * what a device offline gets).
     */
    static Http2Headers headers(SendRequest request, AsciiString authorization) {
        return new DefaultHttp2Headers()
                .set(HttpHeaderNames.AUTHORIZATION, authorization)
                .set(CHANNEL_ID, request.channelId)
                .set(PUSH_TYPE, LIVE_ACTIVITY)
                .setInt(PRIORITY, request.priority)
                .setLong(EXPIRATION, request.expiresAt == null ? 0 : Math.max(1, request.expiresAt / 1000));
    }

    /** APNs's answer as a reply, read with {@link #ANSWERS}: the reason from an error's JSON body. */
    static ProviderReply reply(SendRequest request, int status, String body, long retryAfterMs, long ackAt) {
        String reason = status >= 200 && status < 300 ? null : ApnsErrorBody.reason(body);
        return ANSWERS.reply(request, status, reason, retryAfterMs, ackAt, null);
    }

    @Override
    public void close() {
        connections.close();
    }
}
