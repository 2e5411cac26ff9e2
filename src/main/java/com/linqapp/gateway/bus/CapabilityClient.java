package com.linqapp.gateway.bus;

import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * Typed client of {@code capability.check} for Java verticles (and the gateway's own adapters). It
 * sets the send timeout from the check's deadline, with a margin so the engine's own answer (a 504 or
 * 429 at the deadline) arrives before the bus gives up, and turns failures into {@link CheckException}.
 */
public final class CapabilityClient {

  /** Extra time the bus waits beyond the check's deadline for the engine's own answer. */
  public static final long SEND_TIMEOUT_MARGIN_MILLIS = 2_000;

  private final Vertx vertx;
  private final long defaultTimeoutMillis;
  private final boolean localOnly;

  private CapabilityClient(Vertx vertx, long defaultTimeoutMillis, boolean localOnly) {
    this.vertx = vertx;
    this.defaultTimeoutMillis = defaultTimeoutMillis;
    this.localOnly = localOnly;
  }

  /**
   * @param defaultTimeoutMillis the deadline the gateway applies when a query has none (its
   *                             {@code GATEWAY_DEFAULT_TIMEOUT_MS}), to size the send timeout
   */
  public static CapabilityClient create(Vertx vertx, long defaultTimeoutMillis) {
    return new CapabilityClient(vertx, defaultTimeoutMillis, false);
  }

  /** A client that always delivers to this JVM's engine: what the gateway's own adapters use. */
  public static CapabilityClient local(Vertx vertx, long defaultTimeoutMillis) {
    return new CapabilityClient(vertx, defaultTimeoutMillis, true);
  }

  public Future<CheckResult> check(CheckQuery query) {
    return check(query, null, null);
  }

  /**
   * @param requestId correlation id for logs, or {@code null}
   * @param client    client name for logs and metrics, or {@code null}
   */
  public Future<CheckResult> check(CheckQuery query, String requestId, String client) {
    long timeout = query.timeoutMillis() == null ? defaultTimeoutMillis : query.timeoutMillis();
    DeliveryOptions delivery = new DeliveryOptions().setLocalOnly(localOnly)
        .setSendTimeout(timeout + SEND_TIMEOUT_MARGIN_MILLIS);
    if (requestId != null) {
      delivery.addHeader(CapabilityBus.REQUEST_ID_HEADER, requestId);
    }
    if (client != null) {
      delivery.addHeader(CapabilityBus.CLIENT_HEADER, client);
    }
    return vertx.eventBus().<JsonObject>request(CapabilityBus.CHECK, query.toJson(), delivery)
        .map(CapabilityClient::toResult)
        .recover(failure -> Future.failedFuture(CheckMessages.toCheckException(failure)));
  }

  private static CheckResult toResult(Message<JsonObject> reply) {
    return CheckMessages.readReply(reply.body(), reply.headers().get(CapabilityBus.CACHE_HEADER));
  }
}
