package io.herald.apns.channels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import io.herald.apns.ApnsApp;
import io.herald.apns.TestApnsKey;
import io.herald.http2.TestHttp2Server;
import io.herald.json.Json;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The channel management client against a server in the test (HTTP/2 over TLS): each call's
 * request as APNs's documentation asks it (method, path, headers, JSON, a provider token that
 * verifies with the key's public half), its answer read, and APNs's refusals as
 * {@link ApnsChannelException}s that say the status and reason and never the key or the token.
 */
class ApnsChannelsTest {
    @TempDir
    Path dir;

    private final NioEventLoopGroup group = new NioEventLoopGroup(1);
    /** What the server answers: status, headers, body (or null). */
    private volatile Answer answer = new Answer(200, Map.of(), null);

    private record Answer(int status, Map<String, String> headers, String body) {}

    private TestHttp2Server server;
    private TestApnsKey key;
    private ApnsChannels channels;

    @BeforeEach
    void start() throws Exception {
        server = TestHttp2Server.start(group, null, (stream, request) -> {
            Answer a = answer;
            TestHttp2Server.respond(stream, a.status, a.headers, a.body);
        });
        key = TestApnsKey.create(dir);
        ApnsApp app = key.app();
        app.channelsHost = "127.0.0.1";
        app.channelsPort = server.port();
        channels = ApnsChannels.forApp(app);
    }

    @AfterEach
    void stop() throws Exception {
        channels.close();
        server.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    private TestHttp2Server.Request onlyRequest() {
        assertThat(server.received()).hasSize(1);
        return server.received().poll();
    }

    @Test
    void createPostsTheChannelsSettings_andGivesTheIdFromTheResponsesHeader() throws Exception {
        answer = new Answer(201, Map.of("apns-channel-id", "dHN/RUM1TjFBNFpyeGRwMzJzYVlBVWtKMGE="), null);

        String id = channels.create(TestApnsKey.BUNDLE, StoragePolicy.MOST_RECENT_MESSAGE_STORED)
                .get(10, TimeUnit.SECONDS);

        assertThat(id).isEqualTo("dHN/RUM1TjFBNFpyeGRwMzJzYVlBVWtKMGE=");
        TestHttp2Server.Request r = onlyRequest();
        assertThat(r.header(":method")).isEqualTo("POST");
        assertThat(r.header(":path")).isEqualTo("/1/apps/io.herald.demo/channels");
        assertThat(r.header(":authority")).isEqualTo("127.0.0.1:" + server.port());
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.header("apns-request-id")).matches("[0-9a-f-]{36}");
        JsonNode body = Json.MAPPER.readTree(r.body());
        assertThat(body.get("message-storage-policy").asInt()).isEqualTo(1);
        assertThat(body.get("push-type").asText()).isEqualTo("LiveActivity");
        key.assertSigned(r.header("authorization"));
    }

    @Test
    void listReadAndDeleteAskAsApnsDocumentsThem_andOneTokenServesThemAll() throws Exception {
        answer = new Answer(200, Map.of(), "{\"channels\":[\"Y2gx\",\"Y2gy\"]}");
        assertThat(channels.list(TestApnsKey.BUNDLE).get(10, TimeUnit.SECONDS)).containsExactly("Y2gx", "Y2gy");
        TestHttp2Server.Request list = onlyRequest();
        assertThat(list.header(":method")).isEqualTo("GET");
        assertThat(list.header(":path")).isEqualTo("/1/apps/io.herald.demo/all-channels");
        assertThat(list.header("apns-channel-id")).isNull();

        answer = new Answer(200, Map.of(), "{\"message-storage-policy\":0,\"push-type\":\"LiveActivity\"}");
        assertThat(channels.read(TestApnsKey.BUNDLE, "Y2gx").get(10, TimeUnit.SECONDS))
                .isEqualTo(new ChannelSettings("Y2gx", StoragePolicy.NO_MESSAGE_STORED, "LiveActivity"));
        TestHttp2Server.Request read = onlyRequest();
        assertThat(read.header(":method")).isEqualTo("GET");
        assertThat(read.header(":path")).isEqualTo("/1/apps/io.herald.demo/channels");
        assertThat(read.header("apns-channel-id")).isEqualTo("Y2gx");

        answer = new Answer(204, Map.of(), null);
        channels.delete(TestApnsKey.BUNDLE, "Y2gx").get(10, TimeUnit.SECONDS);
        TestHttp2Server.Request delete = onlyRequest();
        assertThat(delete.header(":method")).isEqualTo("DELETE");
        assertThat(delete.header(":path")).isEqualTo("/1/apps/io.herald.demo/channels");
        assertThat(delete.header("apns-channel-id")).isEqualTo("Y2gx");
        assertThat(delete.body()).isEmpty();

        key.assertSigned(delete.header("authorization"));
        assertThat(List.of(read.header("authorization"), delete.header("authorization")))
                .as("one provider token, not one per request")
                .containsOnly(list.header("authorization"));
        assertThat(server.connections()).as("one connection for them all").isEqualTo(1);
    }

    @Test
    void apnsRefusalsAreTypedWithStatusAndReason_neverTheKeyOrTheToken() throws Exception {
        record Refusal(int status, String reason) {}
        for (Refusal refusal : List.of(
                new Refusal(404, "ChannelNotRegistered"),
                new Refusal(400, "BadChannelId"),
                new Refusal(403, "InvalidProviderToken"),
                new Refusal(429, "TooManyRequests"),
                new Refusal(500, "InternalServerError"))) {
            answer = new Answer(
                    refusal.status, Map.of("apns-request-id", "req-1"), "{\"reason\":\"" + refusal.reason + "\"}");
            Throwable t = catchThrowable(
                    () -> channels.read(TestApnsKey.BUNDLE, "Y2gx").get(10, TimeUnit.SECONDS));
            assertThat(t).isInstanceOf(ExecutionException.class);
            assertThat(t.getCause()).isInstanceOf(ApnsChannelException.class);
            ApnsChannelException e = (ApnsChannelException) t.getCause();
            assertThat(e.status()).isEqualTo(refusal.status);
            assertThat(e.reason()).isEqualTo(refusal.reason);
            assertThat(e.requestId()).isEqualTo("req-1");
            String authorization = server.received().poll().header("authorization");
            assertThat(e.getMessage())
                    .contains(refusal.reason)
                    .doesNotContain(authorization.substring("bearer ".length()))
                    .doesNotContain(key.pem().lines().skip(1).findFirst().orElseThrow());
        }
        answer = new Answer(400, Map.of(), "not json");
        Throwable t =
                catchThrowable(() -> channels.delete(TestApnsKey.BUNDLE, "Y2gx").get(10, TimeUnit.SECONDS));
        assertThat(((ApnsChannelException) t.getCause()).reason()).isEqualTo("unknown");
    }

    @Test
    void aBundleIdThatWouldChangeThePathIsRefusedBeforeAnyRequest() {
        assertThat(catchThrowable(() -> channels.list("../../x"))).isInstanceOf(IllegalArgumentException.class);
        assertThat(server.received()).isEmpty();
    }
}
