package io.herald.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.nio.NioEventLoopGroup;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The relay in front of an emulator: late and jittered, the bytes back still come whole and in order. */
class FaultyLinkTest {
    private static final int CHUNKS = 3_000;

    @Test
    void answersDelayedWithJitterArriveInOrder() throws Exception {
        NioEventLoopGroup group = new NioEventLoopGroup(1);
        try (ServerSocket server = new ServerSocket(0);
                FaultyLink link = FaultyLink.start(group, server.getLocalPort(), new Faults().latencyMs(20, 0.5))) {
            // The "emulator": numbers written one small write at a time, so that they reach the relay in
            // many chunks, each delayed on its own.
            CompletableFuture<Void> written = CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept();
                        DataOutputStream out = new DataOutputStream(s.getOutputStream())) {
                    for (int i = 0; i < CHUNKS; i++) {
                        out.writeInt(i);
                        out.flush();
                        if (i % 100 == 0) {
                            TimeUnit.MILLISECONDS.sleep(1);
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (Socket client = new Socket("127.0.0.1", link.port())) {
                client.setSoTimeout(30_000);
                DataInputStream in = new DataInputStream(client.getInputStream());
                int expected = 0;
                try {
                    while (true) {
                        assertThat(in.readInt()).as("number %d", expected).isEqualTo(expected);
                        expected++;
                    }
                } catch (EOFException end) {
                    // the emulator closed: the relay closes after the last answer it held
                }
                assertThat(expected).isEqualTo(CHUNKS);
            }
            written.get(30, TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }
}
