package io.herald.sandbox;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Stream;
import java.util.Map;

/**
 * The HTTP/2 flow-control window an emulator gives each sender's connection for its requests. HTTP/2
 * starts every connection at 64 KiB (RFC 9113, section 6.9.2), and Netty's server keeps it there: a
 * sender may then have 64 KiB of request bodies unacknowledged, and the acknowledgement (a
 * WINDOW_UPDATE) comes back with the answers, behind the latency. At 150 ms that held the bench's
 * APNs side to about 14,000 requests a second over its ten connections (about 1,400 each, with
 * 5,000 in flight per instance and 1,000 streams a connection advertised): the bench measured the
 * emulator's window, not the sender. A front end that advertises 1,000 streams a connection means
 * them to be used, which 64 KiB of bodies does not allow; neither provider documents its window, so
 * the emulators assume {@link #BYTES}: 1,000 streams of bodies up to 1 KiB each.
 */
final class ConnectionWindow {
    /** The connection window an emulator gives each connection. */
    static final int BYTES = 1 << 20;

    private ConnectionWindow() {}

    /**
     * Raises the window of {@code channel}'s HTTP/2 connection to {@link #BYTES}, once its HTTP/2
     * handler is in place (the TLS handshake may be done before ALPN puts it there): on its event
     * loop, after what runs now.
     */
    static void widen(Channel channel) {
        channel.eventLoop().execute(() -> {
            Http2ConnectionHandler http2 = null;
            for (Map.Entry<String, ChannelHandler> h : channel.pipeline()) {
                if (h.getValue() instanceof Http2ConnectionHandler) {
                    http2 = (Http2ConnectionHandler) h.getValue();
                }
            }
            if (http2 == null || !channel.isActive()) {
                return;
            }
            Http2Stream connection = http2.connection().connectionStream();
            int more = BYTES - http2.decoder().flowController().initialWindowSize(connection);
            if (more <= 0) {
                return;
            }
            try {
                http2.decoder().flowController().incrementWindowSize(connection, more);
                channel.flush();
            } catch (Http2Exception e) {
                channel.close();
            }
        });
    }
}
