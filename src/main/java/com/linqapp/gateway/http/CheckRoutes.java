package com.linqapp.gateway.http;

import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.metrics.GatewayMetrics;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * The HTTP server's request handler: {@code POST} to the two Linq-compatible check routes is served
 * here directly — the hot path, where a cache hit is answered on the event loop — and everything else
 * goes to the router. Measured with JFR, routing and the body handler were most of a cache hit's cost
 * once validation and metrics were cheap; here the request is tagged, authenticated, its body read
 * (bounded) and answered with nothing in between.
 */
final class CheckRoutes implements Handler<HttpServerRequest> {

  private final List<CapabilityHandler> checks;
  private final Handler<HttpServerRequest> router;
  private final RequestTagger tagger;
  private final IdleConnections connections;
  private final ClientAuth auth;
  private final GatewayMetrics metrics;
  private final int maxBodyBytes;

  CheckRoutes(List<CapabilityHandler> checks, Handler<HttpServerRequest> router, RequestTagger tagger,
              IdleConnections connections, ClientAuth auth, GatewayMetrics metrics, int maxBodyBytes) {
    this.connections = connections;
    this.checks = List.copyOf(checks);
    this.router = router;
    this.tagger = tagger;
    this.auth = auth;
    this.metrics = metrics;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void handle(HttpServerRequest request) {
    CapabilityHandler check = request.method() == HttpMethod.POST ? checkFor(request.path()) : null;
    if (check == null) {
      router.handle(request);
      return;
    }
    HttpServerResponse response = request.response();
    long started = System.nanoTime();
    String[] client = {"-"};
    IdleConnections.Activity activity = connections.onRequest(request);
    response.endHandler(ended -> {
      connections.onEnd(activity);
      metrics.onClientRequest(check.route(), response.getStatusCode(), client[0], System.nanoTime() - started);
    });
    String requestId = tagger.tag(request);
    if (requestId == null || (client[0] = auth.clientFor(request)) == null) {
      return;
    }
    readBody(request, body -> check.answer(request, body, requestId, client[0]));
  }

  /** Two routes: comparing the path with each is cheaper than hashing it for a map. */
  private CapabilityHandler checkFor(String path) {
    for (CapabilityHandler check : checks) {
      if (check.route().equals(path)) {
        return check;
      }
    }
    return null;
  }

  /** The whole body, or 413/9006 as soon as it grows past the limit (the declared length is checked first). */
  private void readBody(HttpServerRequest request, Handler<Buffer> whole) {
    String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (declared != null && declared.length() < 12 && declared.chars().allMatch(Character::isDigit)
        && Long.parseLong(declared) > maxBodyBytes) {
      tooLarge(request);
      return;
    }
    Buffer body = Buffer.buffer();
    boolean[] refused = {false};
    request.handler(chunk -> {
      if (!refused[0] && body.length() + chunk.length() > maxBodyBytes) {
        refused[0] = true;
        tooLarge(request);
      } else if (!refused[0]) {
        body.appendBuffer(chunk);
      }
    });
    request.endHandler(ended -> {
      if (!refused[0]) {
        whole.handle(body);
      }
    });
  }

  private void tooLarge(HttpServerRequest request) {
    request.response().putHeader(HttpHeaders.CONNECTION, "close");
    ErrorResponder.send(request.response(), new CheckException(413, ErrorCodes.TOO_LARGE,
        "Request body larger than " + maxBodyBytes + " bytes"));
  }
}
