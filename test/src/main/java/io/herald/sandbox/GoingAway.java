package io.herald.sandbox;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Stream;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * An emulator's connections, so that one can be closed as a provider closes a connection it is done
 * with: an HTTP/2 GOAWAY naming the last stream it took, answers for the streams up to it, then the
 * close. A sender learns from the GOAWAY that the streams above it were not taken (RFC 9113, section
 * 6.8) and sends them again elsewhere; what it took is answered. Nothing is lost and nothing is
 * taken twice, which a connection that just dies (no GOAWAY) cannot promise: its sender cannot know
 * whether a request it wrote was taken.
 *
 * <p>The link stops passing the sender's bytes on first, and the GOAWAY follows {@link #QUIET_MS}
 * later, once the emulator has read what was already on its way: so the last stream it names is
 * one it has really seen, no request comes in after it (Netty would fail the connection at once
 * for the body of a request it had ignored), and the close leaves nothing unread (which would
 * reset the connection, and could throw away the GOAWAY on its way back). The last stream named is
 * the one below the first whose request had not arrived whole (its headers came, not all its
 * body): a stream in the middle of its request is not taken. The emulators register each
 * connection here once it speaks HTTP/2 (keyed by the address it was opened from: the
 * {@link FaultyLink}'s side of it); the link asks for the close.
 */
public final class GoingAway {
    /** How long the emulator reads what was on its way before it says which streams it took. */
    static final long QUIET_MS = 50;

    /** The longest a connection going away waits for the answers to the requests it took. */
    static final long ANSWER_WAIT_SECONDS = 10;

    private static final Map<SocketAddress, Channel> CONNECTIONS = new ConcurrentHashMap<>();

    private GoingAway() {}

    /** An emulator's connection from {@code channel.remoteAddress()}, once its TLS handshake is done, until it closes. */
    static void register(Channel channel) {
        SocketAddress from = channel.remoteAddress();
        if (from == null) {
            return;
        }
        CONNECTIONS.put(from, channel);
        channel.closeFuture().addListener(f -> CONNECTIONS.remove(from, channel));
    }

    /** Whether the emulator's connection opened from {@code from} speaks HTTP/2 (its TLS handshake is done). */
    static boolean speaksHttp2(SocketAddress from) {
        return from != null && CONNECTIONS.containsKey(from);
    }

    /**
     * Closes the emulator's connection opened from {@code from} the way a provider going away does,
     * {@link #QUIET_MS} from now; the caller has stopped sending on it. False if no emulator
     * connection came from there (yet): the caller closes it its own way.
     */
    static boolean close(SocketAddress from) {
        Channel c = from == null ? null : CONNECTIONS.get(from);
        if (c == null) {
            return false;
        }
        c.eventLoop().schedule(() -> goAway(c), QUIET_MS, TimeUnit.MILLISECONDS);
        return true;
    }

    private static void goAway(Channel c) {
        Http2ConnectionHandler http2 = null;
        for (Map.Entry<String, ChannelHandler> h : c.pipeline()) {
            if (h.getValue() instanceof Http2ConnectionHandler) {
                http2 = (Http2ConnectionHandler) h.getValue();
            }
        }
        if (http2 == null || !c.isActive()) {
            c.close();
            return;
        }
        if (http2.connection().goAwaySent()) {
            return; // going away already
        }
        ChannelHandlerContext ctx = c.pipeline().context(http2);
        Http2Connection connection = http2.connection();
        int[] last = {connection.remote().lastStreamCreated()};
        try {
            connection.forEachActiveStream(stream -> {
                if (stream.state() == Http2Stream.State.OPEN
                        && !connection.local().isValidStreamId(stream.id())) {
                    // The sender is still sending this request: not taken, nor any after it.
                    last[0] = Math.min(last[0], stream.id() - 2);
                }
                return true;
            });
        } catch (Http2Exception e) {
            c.close();
            return;
        }
        http2.goAway(ctx, Math.max(0, last[0]), Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise());
        ctx.flush();
        closeWhenAnswered(c, connection, System.nanoTime() + TimeUnit.SECONDS.toNanos(ANSWER_WAIT_SECONDS));
    }

    /**
     * Closes once every stream the GOAWAY named as taken is answered (those above it are closed by
     * the GOAWAY itself), or at {@code deadline}: an emulator answering off the event loop (the web
     * push one decrypts first) would otherwise lose answers the sender was told it would get.
     */
    private static void closeWhenAnswered(Channel c, Http2Connection connection, long deadline) {
        if (!c.isActive()) {
            return;
        }
        if (connection.numActiveStreams() == 0 || System.nanoTime() - deadline > 0) {
            c.close();
            return;
        }
        c.eventLoop().schedule(() -> closeWhenAnswered(c, connection, deadline), 10, TimeUnit.MILLISECONDS);
    }
}
