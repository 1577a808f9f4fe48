package io.herald.apns;

import io.herald.delivery.Attempt;
import io.herald.delivery.RequestNotTaken;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2FrameLogger;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.logging.LogLevel;
import io.netty.util.AsciiString;
import io.netty.util.AttributeKey;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.nio.channels.ClosedChannelException;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What Pushy does not say about a notification whose future failed without an answer: whether its
 * request went out in full, and whether the server said it did not take it. Pushy fails such a
 * future with the same exception whether the request sat in a queue, went out on a connection that
 * was then reset, or was turned away by a GOAWAY; so this watches the HTTP/2 frames themselves,
 * through the frame-logger hook Pushy offers ({@code ApnsClientBuilder.setFrameLogger}), and keeps
 * nothing it does not need.
 *
 * <ul>
 *   <li>Each attempt carries its own {@code apns-id} (APNs echoes it; it names nothing else): the
 *       outbound HEADERS frame that has it ties the attempt to its connection and stream.
 *   <li>The outbound DATA frame that ends that stream means the whole request went out:
 *       {@link Attempt#written()}.
 *   <li>An inbound GOAWAY records, per connection, the last stream the server may have acted on;
 *       a stream above it was not taken (RFC 9113, section 6.8), and is failed with
 *       {@link RequestNotTaken}, to be retried. (A REFUSED_STREAM reset Pushy retries itself, on
 *       a new stream: its HEADERS move the attempt there.)
 * </ul>
 *
 * <p>The frame callbacks run on the connection's event loop; the per-connection table of streams
 * lives on the connection (a channel attribute) and is touched there only. Frames are also logged,
 * as Netty's frame logger does, at TRACE under this class's name.
 */
final class StreamWatch extends Http2FrameLogger {
    private static final AsciiString APNS_ID = AsciiString.cached("apns-id");
    private static final AttributeKey<IntObjectMap<Sent>> STREAMS = AttributeKey.valueOf("herald-apns-streams");
    private static final AttributeKey<Integer> LAST_STREAM_TAKEN = AttributeKey.valueOf("herald-apns-goaway");

    /** Attempts under way, by their apns-id, until their future completes. */
    private final Map<String, Sent> byApnsId = new ConcurrentHashMap<>();

    StreamWatch() {
        super(LogLevel.TRACE, StreamWatch.class);
    }

    /** One attempt as its frames went out. */
    static final class Sent {
        final Attempt attempt;
        final UUID apnsId;
        final String key;
        volatile Channel channel;
        volatile int streamId;
        /** The stream's last DATA frame went out: the whole request. */
        volatile boolean complete;

        private Sent(Attempt attempt, UUID apnsId) {
            this.attempt = attempt;
            this.apnsId = apnsId;
            this.key = apnsId.toString();
        }
    }

    /** Starts watching {@code attempt}: send it with {@link Sent#apnsId}, and hand its outcome to {@link #done}. */
    Sent watch(Attempt attempt) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        // A random (version 4) UUID, without SecureRandom's cost per request.
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        Sent s = new Sent(attempt, new UUID(msb, lsb));
        byApnsId.put(s.key, s);
        return s;
    }

    /**
     * The attempt's future completed: it is no longer watched. For a failure, the error to report:
     * {@link RequestNotTaken} if the request was written and yet not taken (the server's GOAWAY
     * stopped below its stream, the write failed after all, or a resend was not written in full),
     * else {@code error} itself. Runs on the thread that completed the future (the connection's
     * event loop, for a failure on a connection).
     */
    Throwable done(Sent s, Throwable error) {
        byApnsId.remove(s.key);
        if (error == null || !s.attempt.isWritten()) {
            return error;
        }
        Channel c = s.channel;
        if (!s.complete) {
            return new RequestNotTaken("its resend (after REFUSED_STREAM) did not go out in full", error);
        }
        Integer lastTaken = c == null ? null : c.attr(LAST_STREAM_TAKEN).get();
        if (lastTaken != null && s.streamId > lastTaken) {
            return new RequestNotTaken(
                    "APNs went away (GOAWAY after stream " + lastTaken + ") before taking stream " + s.streamId, error);
        }
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ClosedChannelException) {
                return new RequestNotTaken("the connection closed before the request's bytes left", error);
            }
        }
        return error;
    }

    private void headersOut(ChannelHandlerContext ctx, int streamId, Http2Headers headers) {
        CharSequence id = headers.get(APNS_ID);
        Sent s = id == null ? null : byApnsId.get(id.toString());
        if (s == null) {
            return;
        }
        s.channel = ctx.channel();
        s.streamId = streamId;
        s.complete = false;
        IntObjectMap<Sent> streams = ctx.channel().attr(STREAMS).get();
        if (streams == null) {
            streams = new IntObjectHashMap<>();
            ctx.channel().attr(STREAMS).set(streams);
        }
        streams.put(streamId, s);
    }

    @Override
    public void logHeaders(
            Direction direction,
            ChannelHandlerContext ctx,
            int streamId,
            Http2Headers headers,
            int padding,
            boolean endStream) {
        if (direction == Direction.OUTBOUND) {
            headersOut(ctx, streamId, headers);
        }
        super.logHeaders(direction, ctx, streamId, headers, padding, endStream);
    }

    @Override
    public void logHeaders(
            Direction direction,
            ChannelHandlerContext ctx,
            int streamId,
            Http2Headers headers,
            int streamDependency,
            short weight,
            boolean exclusive,
            int padding,
            boolean endStream) {
        if (direction == Direction.OUTBOUND) {
            headersOut(ctx, streamId, headers);
        }
        super.logHeaders(direction, ctx, streamId, headers, streamDependency, weight, exclusive, padding, endStream);
    }

    @Override
    public void logData(
            Direction direction,
            ChannelHandlerContext ctx,
            int streamId,
            ByteBuf data,
            int padding,
            boolean endStream) {
        if (direction == Direction.OUTBOUND && endStream) {
            IntObjectMap<Sent> streams = ctx.channel().attr(STREAMS).get();
            Sent s = streams == null ? null : streams.remove(streamId);
            if (s != null && s.streamId == streamId) {
                s.complete = true;
                s.attempt.written();
            }
        }
        super.logData(direction, ctx, streamId, data, padding, endStream);
    }

    @Override
    public void logGoAway(
            Direction direction, ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
        if (direction == Direction.INBOUND) {
            // A server may send more than one, each lower: the lowest counts.
            Integer before = ctx.channel().attr(LAST_STREAM_TAKEN).get();
            ctx.channel().attr(LAST_STREAM_TAKEN).set(before == null ? lastStreamId : Math.min(before, lastStreamId));
        }
        super.logGoAway(direction, ctx, lastStreamId, errorCode, debugData);
    }
}
