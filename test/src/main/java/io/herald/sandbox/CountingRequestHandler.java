package io.herald.sandbox;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * What the sandbox's HTTP/2 provider emulators share: a request is answered, and what it delivered is
 * counted only once the answer is on its way. An answer that could not be written is, for the
 * sender, a notification that never arrived, and it will be sent again; a stream cut off
 * mid-request (its sender's process died, say) is closed without a word: the request never arrived.
 */
@ChannelHandler.Sharable
abstract class CountingRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** The answer to {@code request}; what to count once it is written goes into {@code onceWritten}. */
    abstract FullHttpResponse answer(FullHttpRequest request, List<Runnable> onceWritten);

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        List<Runnable> onceWritten = new ArrayList<>(1);
        FullHttpResponse response = answer(request, onceWritten);
        ctx.writeAndFlush(response).addListener(written -> {
            if (written.isSuccess()) {
                onceWritten.forEach(Runnable::run);
            }
        });
    }
}
