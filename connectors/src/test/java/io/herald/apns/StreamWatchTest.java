package io.herald.apns;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.delivery.Attempt;
import io.herald.delivery.RequestNotTaken;
import io.herald.model.SendRequest;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2FrameLogger.Direction;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

/**
 * What the frames Pushy writes and reads tell about a notification whose future failed: never
 * written, written and then cut off (unconfirmed), or turned away by a GOAWAY (not taken).
 */
class StreamWatchTest {
    private final StreamWatch watch = new StreamWatch();
    private final EmbeddedChannel connection = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    private final ChannelHandlerContext ctx = connection.pipeline().firstContext();

    private static Attempt attempt() {
        return new Attempt(new SendRequest(), 1);
    }

    private static Http2Headers headers(StreamWatch.Sent sent) {
        return new DefaultHttp2Headers().path("/3/device/tok").add("apns-id", sent.apnsId.toString());
    }

    private void goesOut(StreamWatch.Sent sent, int streamId, boolean wholeRequest) {
        watch.logHeaders(Direction.OUTBOUND, ctx, streamId, headers(sent), 0, false);
        if (wholeRequest) {
            watch.logData(Direction.OUTBOUND, ctx, streamId, Unpooled.EMPTY_BUFFER, 0, true);
        }
    }

    @Test
    void aRequestThatNeverWentOutIsNotWritten() {
        StreamWatch.Sent sent = watch.watch(attempt());
        IOException error = new IOException("Stream closed before a reply was received");
        assertThat(watch.done(sent, error)).isSameAs(error);
        assertThat(sent.attempt.isWritten()).isFalse();
    }

    @Test
    void aRequestWrittenInFullAndThenCutOffIsWritten_andItsErrorStands() {
        StreamWatch.Sent sent = watch.watch(attempt());
        goesOut(sent, 5, true);
        assertThat(sent.attempt.isWritten()).isTrue();
        IOException reset = new IOException("Connection reset by peer");
        assertThat(watch.done(sent, reset)).isSameAs(reset);
    }

    @Test
    void onlyTheHeadersOutIsNotWritten() {
        StreamWatch.Sent sent = watch.watch(attempt());
        goesOut(sent, 5, false);
        assertThat(sent.attempt.isWritten()).isFalse();
    }

    @Test
    void aGoAwayBelowTheStreamSaysItWasNotTaken_atOrAboveItDoesNot() {
        StreamWatch.Sent below = watch.watch(attempt());
        StreamWatch.Sent above = watch.watch(attempt());
        goesOut(below, 3, true);
        goesOut(above, 5, true);
        watch.logGoAway(Direction.INBOUND, ctx, 3, 0, Unpooled.EMPTY_BUFFER);
        IOException closed = new IOException("Stream closed before a reply was received");
        assertThat(watch.done(above, closed))
                .isInstanceOf(RequestNotTaken.class)
                .hasMessageContaining("GOAWAY");
        assertThat(watch.done(below, closed)).isSameAs(closed);
    }

    @Test
    void aWriteThatFailedAfterTheFramesWereMadeWasNotTaken() {
        StreamWatch.Sent sent = watch.watch(attempt());
        goesOut(sent, 7, true);
        assertThat(RequestNotTaken.in(watch.done(sent, new ClosedChannelException())))
                .isTrue();
    }

    @Test
    void anAnswerLeavesNothingBehind() {
        StreamWatch.Sent sent = watch.watch(attempt());
        goesOut(sent, 9, true);
        assertThat(watch.done(sent, null)).isNull();
        // Its apns-id is forgotten: frames naming it again are not taken for it.
        goesOut(sent, 11, false);
        assertThat(sent.streamId).isEqualTo(9);
    }
}
