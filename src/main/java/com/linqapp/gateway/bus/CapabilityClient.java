package com.linqapp.gateway.bus;

import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

/**
 * Typed client of {@code capability.check} for Java verticles (and the gateway's own adapters). It
 * sets the send timeout from the check's deadline, with a margin so the engine's own answer (a 504 or
 * 429 at the deadline) arrives before the bus gives up, and turns failures into {@link CheckException}.
 * Across a cluster it keeps part of the deadline in reserve: when the node that took the check dies
 * (no answer by the deadline it was given, or no engine at all), it asks again within what is left.
 */
public final class CapabilityClient {

  /** Extra time the bus waits beyond the check's deadline for the engine's own answer. */
  public static final long SEND_TIMEOUT_MARGIN_MILLIS = 2_000;
  /** Most of a deadline kept back to ask another node when the first one dies. */
  static final long MAX_RESERVE_MILLIS = 5_000;
  /** How late an engine's answer may be before its node is presumed dead. */
  static final long ANSWER_GRACE_MILLIS = 500;

  private final Vertx vertx;
  private final CapabilityBus.Endpoint endpoint;
  private final long defaultTimeoutMillis;
  private final boolean localOnly;
  /** Whether part of the deadline is kept to ask another node (else the bus waits this margin past it). */
  private final boolean keepsReserve;
  private final long marginMillis;

  private CapabilityClient(Vertx vertx, CapabilityBus.Endpoint endpoint, long defaultTimeoutMillis, boolean localOnly,
                           boolean keepsReserve, long marginMillis) {
    this.vertx = vertx;
    this.endpoint = endpoint;
    this.defaultTimeoutMillis = defaultTimeoutMillis;
    this.localOnly = localOnly;
    this.keepsReserve = keepsReserve;
    this.marginMillis = marginMillis;
  }

  /**
   * @param defaultTimeoutMillis the deadline the gateway applies when a query has none (its
   *                             {@code GATEWAY_DEFAULT_TIMEOUT_MS}), to size the send timeout
   */
  public static CapabilityClient create(Vertx vertx, long defaultTimeoutMillis) {
    return new CapabilityClient(vertx, CapabilityBus.PUBLIC, defaultTimeoutMillis, false, true, ANSWER_GRACE_MILLIS);
  }

  /** A client that always delivers to this JVM's engine: what the gateway's own adapters use. */
  public static CapabilityClient local(Vertx vertx, long defaultTimeoutMillis) {
    return new CapabilityClient(vertx, CapabilityBus.PUBLIC, defaultTimeoutMillis, true, false,
        SEND_TIMEOUT_MARGIN_MILLIS);
  }

  /**
   * A client of one engine's {@code endpoint}, anywhere in the cluster, asked once (no reserve kept): a
   * gateway forwarding a check to the one that sends for the cluster. The bus waits a short grace past the
   * check's deadline, less than the margin the forwarding gateway's own caller allows.
   */
  public static CapabilityClient direct(Vertx vertx, CapabilityBus.Endpoint endpoint, long defaultTimeoutMillis) {
    return new CapabilityClient(vertx, endpoint, defaultTimeoutMillis, false, false, ANSWER_GRACE_MILLIS);
  }

  public Future<CheckResult> check(CheckQuery query) {
    return check(query, null, null);
  }

  /**
   * @param requestId correlation id for logs, or {@code null}
   * @param client    client name for logs and metrics, or {@code null}
   */
  public Future<CheckResult> check(CheckQuery query, String requestId, String client) {
    return check(query, requestId, client, null);
  }

  /**
   * @param group a fairness group within the client (a durable job's id), or {@code null}
   */
  public Future<CheckResult> check(CheckQuery query, String requestId, String client, String group) {
    long timeout = query.timeoutMillis() == null ? defaultTimeoutMillis : query.timeoutMillis();
    if (!keepsReserve) {
      return typed(send(query, timeout + marginMillis, requestId, client, group));
    }
    // In a cluster the engine that took the check may die with it. It would have answered by its
    // deadline, so ask for a shorter one and keep the rest of the caller's to ask another node.
    long reserve = Math.min(MAX_RESERVE_MILLIS, timeout / 4);
    long firstTimeout = Math.max(1, timeout - reserve);
    long giveUpAt = System.nanoTime() + timeout * 1_000_000;
    return typed(send(query.withTimeout(firstTimeout), firstTimeout + marginMillis, requestId, client, group)
        .recover(failure -> {
          long remaining = (giveUpAt - System.nanoTime()) / 1_000_000;
          if (!nodeMayBeGone(failure) || remaining <= ANSWER_GRACE_MILLIS) {
            return Future.failedFuture(failure);
          }
          return send(query.withTimeout(remaining - ANSWER_GRACE_MILLIS), remaining, requestId, client, group);
        }));
  }

  /**
   * Withdraws every check sent with {@code requestId} that no engine has sent to Linq yet: their callers
   * are answered 499/9008 and they cost no quota. For a caller that went away (a batch's client).
   */
  public void cancel(String requestId) {
    vertx.eventBus().publish(endpoint.cancels(), new JsonObject().put("request_id", requestId),
        new DeliveryOptions().setLocalOnly(localOnly));
  }

  /** No answer in time, or no engine took the check: another node may answer. */
  private static boolean nodeMayBeGone(Throwable failure) {
    return failure instanceof ReplyException reply
        && (reply.failureType() == ReplyFailure.TIMEOUT || reply.failureType() == ReplyFailure.NO_HANDLERS);
  }

  private static Future<CheckResult> typed(Future<CheckResult> raw) {
    return raw.recover(failure -> Future.failedFuture(CheckMessages.toCheckException(failure)));
  }

  private Future<CheckResult> send(CheckQuery query, long sendTimeout, String requestId, String client,
                                   String group) {
    DeliveryOptions delivery = new DeliveryOptions().setLocalOnly(localOnly).setSendTimeout(sendTimeout);
    if (requestId != null) {
      delivery.addHeader(CapabilityBus.REQUEST_ID_HEADER, requestId);
    }
    if (client != null) {
      delivery.addHeader(CapabilityBus.CLIENT_HEADER, client);
    }
    if (group != null) {
      delivery.addHeader(CapabilityBus.GROUP_HEADER, group);
    }
    return vertx.eventBus().<JsonObject>request(endpoint.checks(), query.toJson(), delivery)
        .map(CapabilityClient::toResult);
  }

  private static CheckResult toResult(Message<JsonObject> reply) {
    return CheckMessages.readReply(reply.body(), reply.headers().get(CapabilityBus.CACHE_HEADER));
  }
}
