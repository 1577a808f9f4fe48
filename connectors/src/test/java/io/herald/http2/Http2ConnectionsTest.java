package io.herald.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.herald.delivery.RequestNotTaken;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Herald's HTTP/2 client against a server that answers, resets its connection after reading a
 * request, goes away (GOAWAY) without taking it, or refuses its stream: what the client says about a
 * request left without an answer, and how soon.
 */
class Http2ConnectionsTest {
    /** What the server does with each whole request it reads. */
    enum Mode {
        ANSWER,
        RESET_CONNECTION,
        GO_AWAY,
        REFUSE_STREAM,
        /** Keeps the request unanswered until {@link #answerHeld}. */
        HOLD
    }

    /** The concurrent streams the server takes per connection, as its SETTINGS say (FCM's). */
    private static final int STREAMS = 100;

    private final NioEventLoopGroup group = new NioEventLoopGroup(2);
    private volatile Mode mode = Mode.ANSWER;
    private final Queue<ChannelHandlerContext> held = new ConcurrentLinkedQueue<>();
    private TestHttp2Server server;
    private Http2Connections client;

    @BeforeEach
    void start() throws Exception {
        server = TestHttp2Server.start(group, STREAMS, this::act);
        client = new Http2Connections(server.origin("127.0.0.1"), TestHttp2Server.trustedCertificates(), 1, group);
    }

    @AfterEach
    void stop() throws Exception {
        client.close();
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    /** What the server does with a whole request, as {@link #mode} says. */
    private void act(ChannelHandlerContext ctx, TestHttp2Server.Request request) {
        Channel connection = ctx.channel().parent();
        switch (mode) {
            case ANSWER -> TestHttp2Server.respond(ctx, 200, Map.of(), null);
            case RESET_CONNECTION -> {
                // Taken, then the connection dies before the answer: no GOAWAY, a TCP reset.
                ((SocketChannel) connection).config().setSoLinger(0);
                connection.unsafe().close(connection.voidPromise());
            }
            case GO_AWAY -> {
                // "I took nothing": the last stream the server acted on is 0.
                Http2FrameCodec codec = connection.pipeline().get(Http2FrameCodec.class);
                codec.goAway(
                        connection.pipeline().context(codec),
                        0,
                        Http2Error.NO_ERROR.code(),
                        Unpooled.EMPTY_BUFFER,
                        connection.newPromise());
                connection.flush();
            }
            case REFUSE_STREAM -> ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
            case HOLD -> held.add(ctx);
            default -> throw new IllegalStateException();
        }
    }

    private CompletableFuture<Http2Connections.Response> post(AtomicBoolean written) {
        return client.post("/v1/projects/p/messages:send", "Bearer t", "{\"message\":{}}", () -> written.set(true));
    }

    /** Answers every held request, each on its stream's event loop. */
    private void answerHeld() {
        for (ChannelHandlerContext ctx; (ctx = held.poll()) != null; ) {
            ChannelHandlerContext stream = ctx;
            stream.executor().execute(() -> TestHttp2Server.respond(stream, 200, Map.of(), null));
        }
    }

    private void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime())
                    .as("%s, after the wait: held %d, connections %d", what, held.size(), server.connections())
                    .isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    private static Throwable failureOf(CompletableFuture<?> f) {
        Throwable t = catchThrowable(() -> f.get(10, TimeUnit.SECONDS));
        assertThat(t).isInstanceOf(ExecutionException.class);
        return t.getCause();
    }

    @Test
    void anAnsweredRequestWasWritten() throws Exception {
        AtomicBoolean written = new AtomicBoolean();
        assertThat(post(written).get(10, TimeUnit.SECONDS).status).isEqualTo(200);
        assertThat(written).isTrue();
    }

    @Test
    void aConnectionResetAfterTheRequestWasTakenFailsItAtOnce_writtenAndNotSaidNotTaken() throws Exception {
        assertThat(post(new AtomicBoolean()).get(10, TimeUnit.SECONDS).status).isEqualTo(200);
        mode = Mode.RESET_CONNECTION;
        AtomicBoolean written = new AtomicBoolean();
        long start = System.nanoTime();
        Throwable error = failureOf(post(written));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                .as("failed when the connection closed")
                .isLessThan(5_000);
        assertThat(server.received()).hasSize(2);
        assertThat(written).as("the request went out whole").isTrue();
        assertThat(RequestNotTaken.in(error)).as("%s", error).isFalse();
    }

    @Test
    void aGoAwayBelowTheRequestsStreamSaysItWasNotTaken_andTheNextRequestGoesOnANewConnection() throws Exception {
        mode = Mode.GO_AWAY;
        Throwable error = failureOf(post(new AtomicBoolean()));
        assertThat(RequestNotTaken.in(error)).as("%s", error).isTrue();
        assertThat(error).hasMessageContaining("GOAWAY");

        mode = Mode.ANSWER;
        assertThat(post(new AtomicBoolean()).get(10, TimeUnit.SECONDS).status).isEqualTo(200);
        assertThat(server.connections())
                .as("a connection that went away takes no new stream")
                .isEqualTo(2);
    }

    @Test
    void whenEveryStreamOfItsConnectionsIsInUseARequestOpensAnother_upToTheMost() throws Exception {
        try (Http2Connections two =
                new Http2Connections(server.origin("127.0.0.1"), TestHttp2Server.trustedCertificates(), 2, group)) {
            // One answered request first: the client then knows the server's SETTINGS.
            assertThat(two.post("/p", "Bearer t", "{}").get(10, TimeUnit.SECONDS).status)
                    .isEqualTo(200);
            mode = Mode.HOLD;
            List<CompletableFuture<Http2Connections.Response>> answers = new ArrayList<>();
            // A connection's worth goes on the one connection: no second is opened for them.
            for (int i = 0; i < STREAMS; i++) {
                answers.add(two.post("/p", "Bearer t", "{}"));
            }
            await("a connection's worth of requests held at the server", () -> held.size() == STREAMS);
            assertThat(server.connections()).isEqualTo(1);
            // Its streams all in use, the next requests open a second, which takes as many; the last
            // 50 wait for a stream, since 2 connections are the most.
            for (int i = 0; i < STREAMS + 50; i++) {
                answers.add(two.post("/p", "Bearer t", "{}"));
            }
            await("two connections' worth of requests held at the server", () -> held.size() == 2 * STREAMS);
            assertThat(server.connections()).isEqualTo(2);
            assertThat(two.opened()).isEqualTo(2);
            mode = Mode.ANSWER;
            answerHeld();
            for (CompletableFuture<Http2Connections.Response> a : answers) {
                assertThat(a.get(10, TimeUnit.SECONDS).status).isEqualTo(200);
            }
            assertThat(server.connections()).as("no third connection").isEqualTo(2);
        }
    }

    @Test
    void aRefusedStreamSaysItWasNotTaken() {
        mode = Mode.REFUSE_STREAM;
        Throwable error = failureOf(post(new AtomicBoolean()));
        assertThat(RequestNotTaken.in(error)).as("%s", error).isTrue();
        assertThat(error).hasMessageContaining("REFUSED_STREAM");
    }
}
