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
import java.util.Map;

/**
 * The HTTP server's request handler: {@code POST} to the two Linq-compatible check routes is served
 * here directly — the hot path, where a cache hit is answered on the event loop — and everything else
 * goes to the router. Measured with JFR, routing and the body handler were most of a cache hit's cost
 * once validation and metrics were cheap; here the request is tagged, authenticated, its body read
 * (bounded) and answered with nothing in between.
 */
final class CheckRoutes implements Handler<HttpServerRequest> {

  private final Map<String, CapabilityHandler> byPath;
  private final Handler<HttpServerRequest> router;
  private final RequestTagger tagger;
  private final ClientAuth auth;
  private final GatewayMetrics metrics;
  private final int maxBodyBytes;

  CheckRoutes(Map<String, CapabilityHandler> byPath, Handler<HttpServerRequest> router, RequestTagger tagger,
              ClientAuth auth, GatewayMetrics metrics, int maxBodyBytes) {
    this.byPath = Map.copyOf(byPath);
    this.router = router;
    this.tagger = tagger;
    this.auth = auth;
    this.metrics = metrics;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void handle(HttpServerRequest request) {
    CapabilityHandler check = request.method() == HttpMethod.POST ? byPath.get(request.path()) : null;
    if (check == null) {
      router.handle(request);
      return;
    }
    HttpServerResponse response = request.response();
    long started = System.nanoTime();
    String[] client = {"-"};
    response.endHandler(ended -> metrics.onClientRequest(request.path(), response.getStatusCode(), client[0],
        System.nanoTime() - started));
    String requestId = tagger.tag(request);
    if (requestId == null || (client[0] = auth.clientFor(request)) == null) {
      return;
    }
    readBody(request, body -> check.answer(request, body, requestId, client[0]));
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
