package io.herald.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * FCM for the sandbox: the HTTP v1 endpoint {@code POST /v1/projects/{project}/messages:send} over
 * TLS and HTTP/2 (Netty), checking the bearer token, the project and the message JSON, and answering
 * as FCM does, errors in FCM's shape ({@code error.status} and a {@code google.firebase.fcm.v1.FcmError}
 * detail with its {@code errorCode}).
 */
public final class FcmEmulator implements AutoCloseable {
    private static final Pattern PATH = Pattern.compile("/v1/projects/([^/]+)/messages:send");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NioEventLoopGroup group;
    private final Channel channel;
    private final TokenRegistry tokens;
    private final FaultyLink link;

    /**
     * The concurrent streams a connection takes, as Google's front ends advertise for FCM (100): a
     * sender with more requests outstanding needs more connections.
     */
    public static final int STREAMS_PER_CONNECTION = 100;

    private FcmEmulator(NioEventLoopGroup group, Channel channel, TokenRegistry tokens, FaultyLink link) {
        this.group = group;
        this.channel = channel;
        this.tokens = tokens;
        this.link = link;
    }

    /**
     * How this emulator fights back; a well-behaved FCM until told otherwise. Errors and refused
     * credentials come from the server; latency and dropped connections from the {@link FaultyLink}
     * in front of it.
     */
    public Faults faults() {
        return link.faults();
    }

    /** Starts the emulator on a free port for one project, accepting one bearer token. */
    public static FcmEmulator start(
            File certificate, File privateKey, String projectId, String accessToken, TokenRegistry tokens)
            throws Exception {
        SslContext ssl = Http2TlsServer.tls(certificate, privateKey);
        NioEventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("fcm-emulator", true));
        Faults faults = new Faults();
        Handler handler = new Handler(projectId, "Bearer " + accessToken, tokens, faults);
        Channel channel = Http2TlsServer.bind(
                group, ssl, STREAMS_PER_CONNECTION, stream -> stream.pipeline().addLast(handler));
        int port = ((InetSocketAddress) channel.localAddress()).getPort();
        return new FcmEmulator(group, channel, tokens, FaultyLink.start(group, port, faults));
    }

    /** Where senders connect: the faulty link in front of the server. */
    public int port() {
        return link.port();
    }

    public TokenRegistry tokens() {
        return tokens;
    }

    @Override
    public void close() throws Exception {
        link.close();
        channel.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }

    @ChannelHandler.Sharable
    private static final class Handler extends CountingRequestHandler {
        private final String projectId;
        private final String authorization;
        private final TokenRegistry tokens;
        private final AtomicLong messageIds = new AtomicLong();
        private final Faults faults;

        Handler(String projectId, String authorization, TokenRegistry tokens, Faults faults) {
            this.projectId = projectId;
            this.authorization = authorization;
            this.tokens = tokens;
            this.faults = faults;
        }

        /** FCM's own answers to a sender it throttles or that is having trouble; Retry-After as FCM sends it. */
        private static FullHttpResponse transientError(Faults.Transient fault) {
            FullHttpResponse r;
            switch (fault) {
                case TOO_MANY_REQUESTS:
                    r = error(
                            HttpResponseStatus.TOO_MANY_REQUESTS,
                            "RESOURCE_EXHAUSTED",
                            "QUOTA_EXCEEDED",
                            "Quota exceeded for quota metric 'Send requests'.");
                    r.headers().set("retry-after", "1");
                    return r;
                case INTERNAL_ERROR:
                    return error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "INTERNAL", "INTERNAL", "Internal error.");
                default:
                    r = error(
                            HttpResponseStatus.SERVICE_UNAVAILABLE,
                            "UNAVAILABLE",
                            "UNAVAILABLE",
                            "The service is unavailable.");
                    r.headers().set("retry-after", "1");
                    return r;
            }
        }

        @Override
        FullHttpResponse answer(FullHttpRequest request, List<Runnable> onceWritten) {
            Matcher path = PATH.matcher(request.uri());
            if (!path.matches()) {
                return error(HttpResponseStatus.NOT_FOUND, "NOT_FOUND", null, "unknown path " + request.uri());
            }
            if (!HttpMethod.POST.equals(request.method())) {
                return error(HttpResponseStatus.METHOD_NOT_ALLOWED, "INVALID_ARGUMENT", null, "POST only");
            }
            if (faults.refuseCredentialsNow()
                    || !authorization.equals(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                return error(
                        HttpResponseStatus.UNAUTHORIZED,
                        "UNAUTHENTICATED",
                        null,
                        "Request had invalid authentication credentials.");
            }
            if (!projectId.equals(path.group(1))) {
                return error(
                        HttpResponseStatus.FORBIDDEN,
                        "PERMISSION_DENIED",
                        "SENDER_ID_MISMATCH",
                        "Permission denied for project " + path.group(1));
            }
            Faults.Transient fault = faults.transientNow();
            if (fault != null) {
                return transientError(fault);
            }
            String body = request.content().toString(StandardCharsets.UTF_8);
            String problem;
            JsonNode message;
            try {
                message = JSON.readTree(body).path("message");
                problem = check(message);
            } catch (Exception e) {
                return error(
                        HttpResponseStatus.BAD_REQUEST,
                        "INVALID_ARGUMENT",
                        "INVALID_ARGUMENT",
                        "Invalid JSON payload received.");
            }
            if (problem != null) {
                return error(HttpResponseStatus.BAD_REQUEST, "INVALID_ARGUMENT", "INVALID_ARGUMENT", problem);
            }
            String token = message.get("token").asText();
            if (tokens.dead.containsKey(token)) {
                return error(
                        HttpResponseStatus.NOT_FOUND, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.");
            }
            if (!tokens.live.contains(token)) {
                return error(
                        HttpResponseStatus.BAD_REQUEST,
                        "INVALID_ARGUMENT",
                        "INVALID_ARGUMENT",
                        "The registration token is not a valid FCM registration token");
            }
            onceWritten.add(() -> tokens.recordDelivery(token, body));
            ObjectNode ok = JSON.createObjectNode();
            ok.put("name", "projects/" + projectId + "/messages/" + messageIds.incrementAndGet());
            return json(HttpResponseStatus.OK, ok);
        }

        /** FCM's own checks that matter here: one token target, string-only data, a notification of strings. */
        private static String check(JsonNode message) {
            if (!message.isObject()) {
                return "message is missing";
            }
            if (!message.path("token").isTextual()
                    || message.get("token").asText().isEmpty()) {
                return "message.token is missing";
            }
            if (message.has("topic") || message.has("condition")) {
                return "exactly one of token, topic or condition must be set";
            }
            for (String object : new String[] {"notification", "data"}) {
                JsonNode n = message.get(object);
                if (n == null) {
                    continue;
                }
                if (!n.isObject()) {
                    return "message." + object + " is not an object";
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> f = it.next();
                    if (!f.getValue().isTextual()) {
                        return "message." + object + "." + f.getKey() + " must be a string";
                    }
                }
            }
            return null;
        }

        private static FullHttpResponse error(
                HttpResponseStatus status, String grpcStatus, String fcmErrorCode, String text) {
            ObjectNode root = JSON.createObjectNode();
            ObjectNode error = root.putObject("error");
            error.put("code", status.code());
            error.put("message", text);
            error.put("status", grpcStatus);
            if (fcmErrorCode != null) {
                ObjectNode detail = error.putArray("details").addObject();
                detail.put("@type", "type.googleapis.com/google.firebase.fcm.v1.FcmError");
                detail.put("errorCode", fcmErrorCode);
            }
            return json(status, root);
        }

        private static FullHttpResponse json(HttpResponseStatus status, ObjectNode body) {
            byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
            FullHttpResponse r =
                    new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=UTF-8");
            r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
            return r;
        }
    }
}
