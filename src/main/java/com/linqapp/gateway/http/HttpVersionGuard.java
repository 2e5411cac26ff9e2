package com.linqapp.gateway.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * Vert.x answers a request line with an HTTP version other than 1.0/1.1 (e.g. {@code HTTP/9.9}) itself, with a
 * bare 501 and no body, before any application handler sees it. This guard, placed in front of Vert.x's
 * handler, marks such a request as undecodable instead, so it reaches the server's invalid-request handler and
 * gets 400 in Linq's envelope like any other malformed request.
 */
final class HttpVersionGuard extends ChannelInboundHandlerAdapter {

  private static final String NAME = "linq-gateway-http-version-guard";

  private HttpVersionGuard() {
  }

  /** For {@code HttpServer#connectionHandler}; a connection of another kind (e.g. HTTP/2) is left alone. */
  static void install(HttpConnection connection) {
    if (connection instanceof ConnectionBase base && base.channelHandlerContext() != null) {
      var pipeline = base.channelHandlerContext().pipeline();
      if (pipeline.get(NAME) == null && pipeline.get("handler") != null) {
        pipeline.addBefore("handler", NAME, new HttpVersionGuard());
      }
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request && request.decoderResult().isSuccess()
        && request.protocolVersion() != HttpVersion.HTTP_1_1 && request.protocolVersion() != HttpVersion.HTTP_1_0) {
      request.setProtocolVersion(HttpVersion.HTTP_1_1);
      request.setDecoderResult(DecoderResult.failure(new IllegalArgumentException("Unsupported HTTP version")));
    }
    ctx.fireChannelRead(msg);
  }
}
