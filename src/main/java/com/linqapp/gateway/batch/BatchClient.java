package com.linqapp.gateway.batch;

import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.check.Service;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.ReadStream;

/**
 * Many checks as a stream, for verticles: give a {@link ReadStream} of requests
 * ({@code {"address", "service"?, "from"?, "max_age"?}}, as the batch route's lines) and read a
 * {@link ReadStream} of answer lines ({@code {"index", "address", "service", "available", ...}} or
 * {@code {"index", "address", "service", "error": {...}}}), in completion order, {@code index} being the
 * request's 0-based position. Same core as {@code POST /v1/capability/batch}: at most {@code window}
 * requests are submitted and not yet consumed at any time, requests are read only as that window frees up,
 * and pausing the answer stream stops submission. Checks go through {@link CapabilityClient} in the bulk
 * lane. Create and consume the stream on one context (e.g. inside a verticle).
 */
public final class BatchClient {

  private final Vertx vertx;
  private final CapabilityClient client;
  private final int window;
  private final Service defaultService;

  private BatchClient(Vertx vertx, CapabilityClient client, int window, Service defaultService) {
    this.vertx = vertx;
    this.client = client;
    this.window = window;
    this.defaultService = defaultService;
  }

  /** A client with the default window ({@value BatchRunner#DEFAULT_WINDOW}) and iMessage as default service. */
  public static BatchClient create(Vertx vertx, CapabilityClient client) {
    return new BatchClient(vertx, client, BatchRunner.DEFAULT_WINDOW, Service.IMESSAGE);
  }

  public static BatchClient create(Vertx vertx, CapabilityClient client, int window, Service defaultService) {
    return new BatchClient(vertx, client, window, defaultService);
  }

  /**
   * @return answer lines; the stream starts when a handler is set, ends after the last answer, and
   *     {@code cancel()} on the returned runner stops it early
   */
  public BatchRunner<JsonObject, JsonObject> stream(ReadStream<JsonObject> requests) {
    BatchChecks checks = new BatchChecks(client, defaultService, null, null, null);
    return new BatchRunner<>(vertx, requests, window, checks::check);
  }
}
