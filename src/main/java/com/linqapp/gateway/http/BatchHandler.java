package com.linqapp.gateway.http;

import com.linqapp.gateway.batch.BatchChecks;
import com.linqapp.gateway.batch.BatchRunner;
import com.linqapp.gateway.batch.NdjsonLines;
import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.check.AddressRule;
import com.linqapp.gateway.check.Service;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/capability/batch}: NDJSON in, NDJSON out, streamed in both directions at once. The body
 * is read only as fast as the {@link BatchRunner}'s window frees up, and the window only frees up as the
 * client reads the answers, so neither a fast sender nor a slow reader can grow anything past the
 * window. A client that goes away cancels its batch: nothing more is read or submitted.
 */
final class BatchHandler implements Handler<RoutingContext> {

  static final String ROUTE = "/v1/capability/batch";
  static final String NDJSON = "application/x-ndjson";

  private static final Logger log = LoggerFactory.getLogger(BatchHandler.class);

  private final CapabilityClient engine;
  private final AddressRule rule;
  private final int window;
  private final int maxLineBytes;
  private final DrainSwitch drain;

  BatchHandler(CapabilityClient engine, AddressRule rule, int window, int maxLineBytes, DrainSwitch drain) {
    this.engine = engine;
    this.rule = rule;
    this.window = window;
    this.maxLineBytes = maxLineBytes;
    this.drain = drain;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    HttpServerResponse response = ctx.response();
    if (drain.draining()) {
      ErrorResponder.shuttingDown(response); // before the 200 head: a new batch is refused as a whole
      return;
    }
    // The batch's checks carry an id of their own (the request id plus a suffix), so withdrawing them
    // when the client goes away cannot touch another request that reused the caller's X-Request-Id.
    String requestId = ctx.<String>get(HttpApiVerticle.REQUEST_ID) + "." + RequestIds.generate().substring(0, 8);
    BatchChecks checks = new BatchChecks(engine, Service.IMESSAGE, rule, ctx.get(ClientAuth.CLIENT), requestId);
    NdjsonLines lines = new NdjsonLines(request, maxLineBytes);
    BatchRunner<NdjsonLines.Line, JsonObject> runner = new BatchRunner<>(ctx.vertx(), lines, window, checks::check);

    response.setStatusCode(200).setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, NDJSON);
    // Headers go out now: a client reading while it sends sees the answer start at once.
    response.writeHead();

    Handler<Void> gone = v -> {
      if (!response.ended() && !runner.cancelled()) {
        log.info("Batch client went away after {} items submitted; cancelling the rest", runner.submitted());
        runner.cancel();
        engine.cancel(requestId);
      }
    };
    response.closeHandler(gone); // the connection's own close handler belongs to IdleConnections

    runner.handler(line -> {
      response.write(Buffer.buffer(line.encode()).appendByte((byte) '\n'));
      if (response.writeQueueFull()) {
        runner.pause();
        response.drainHandler(v -> runner.resume());
      }
    });
    runner.exceptionHandler(failure -> {
      log.warn("Batch input failed: {}", failure.toString());
      if (!response.ended() && !response.closed()) {
        response.reset();
      }
    });
    runner.endHandler(v -> {
      log.info("Batch done: {} items", runner.submitted());
      response.end();
    });
  }
}
