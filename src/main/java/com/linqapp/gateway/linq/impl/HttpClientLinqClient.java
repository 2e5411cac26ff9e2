package com.linqapp.gateway.linq.impl;

import com.linqapp.gateway.check.CheckAnswer;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.linq.LinqClient;
import com.linqapp.gateway.linq.LinqClientOptions;
import com.linqapp.gateway.linq.LinqOutcome.TransientFault.Kind;
import com.linqapp.gateway.linq.LinqOutcome;
import com.linqapp.gateway.linq.RetryAfter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@link LinqClient} over one Vert.x {@link HttpClient}. The pool holds as many connections as the
 * engine may have requests in flight, and its wait queue is bounded, so a bug upstream of the client
 * can never build an unbounded backlog here.
 *
 * <p>Each exchange is bounded as a whole, not only by its silences: Vert.x's request timeouts are a
 * connect timeout (getting a connection) and an idle timeout (the longest silence; its {@code timeout}
 * sets both), so an answer that trickles in a byte at a time would hold its connection, and the
 * engine's concurrency slot, for as long as Linq keeps trickling. A timer resets the request when its
 * bound passes: the connection closes, the slot is free, and the outcome is a timeout.
 */
public final class HttpClientLinqClient implements LinqClient {

  private static final String USER_AGENT = "linq-capability-gateway/0.1";

  private final Vertx vertx;
  private final HttpClient client;
  private final LinqClientOptions options;
  private final String baseUrl;

  public HttpClientLinqClient(Vertx vertx, LinqClientOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.baseUrl = options.getBaseUrl().replaceAll("/+$", "");
    HttpClientOptions clientOptions = new HttpClientOptions()
        .setConnectTimeout(options.getConnectTimeoutMillis())
        .setKeepAlive(true)
        .setVerifyHost(true)
        .setTrustAll(false)
        // The engine makes the span of each exchange (trace.EngineSpans): sends run on whichever request's context
        // pumped them, so Vert.x's own client span would hang under the wrong parent.
        .setTracingPolicy(TracingPolicy.IGNORE);
    // Until their connections open, requests wait in the queue: it holds all the engine may send at once,
    // a full window of checks and the key probe; one more would be a bug upstream, refused here.
    PoolOptions pool = new PoolOptions()
        .setHttp1MaxSize(options.getMaxConcurrency())
        .setMaxWaitQueueSize(options.getMaxConcurrency() + 1);
    this.client = vertx.createHttpClient(clientOptions, pool);
  }

  @Override
  public Future<LinqOutcome> check(Service service, String address, String from, long timeoutMillis) {
    return check(service, address, from, timeoutMillis, Future::succeededFuture);
  }

  @Override
  public Future<LinqOutcome> check(Service service, String address, String from, long timeoutMillis,
                                   Supplier<Future<Void>> departure) {
    JsonObject body = new JsonObject().put("address", address);
    if (from != null) {
      body.put("from", from);
    }
    long bound = Math.max(1, Math.min(timeoutMillis, options.getRequestTimeoutMillis()));
    return exchange(HttpMethod.POST, "/v3/capability/" + service.linqRoute(), body.toBuffer(), bound, departure,
        this::answer);
  }

  @Override
  public Future<LinqOutcome> senderLines() {
    return exchange(HttpMethod.GET, "/v3/phone_numbers", null, options.getRequestTimeoutMillis(), Future::succeededFuture,
        this::lines);
  }

  @Override
  public Future<Void> close() {
    return client.close();
  }

  /** A response read whole: what the outcome is made of. */
  private record Reply(int statusCode, MultiMap headers, Buffer body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  /**
   * One exchange, over within {@code boundMillis} of this call whatever Linq does, turned into an
   * outcome: the one place that turns any response or transport failure into one. {@code departure} is asked
   * once a connection is there; the request is written when its future completes, unless the bound passed first.
   */
  private Future<LinqOutcome> exchange(HttpMethod method, String path, Buffer body, long boundMillis,
                                       Supplier<Future<Void>> departure, Function<Reply, LinqOutcome> onOk) {
    long started = System.nanoTime();
    RequestOptions request = new RequestOptions()
        .setMethod(method)
        .setAbsoluteURI(baseUrl + path)
        .setFollowRedirects(false)
        .setConnectTimeout(Math.min(options.getConnectTimeoutMillis(), boundMillis))
        .setIdleTimeout(Math.min(options.getIdleTimeoutMillis(), boundMillis))
        .putHeader(HttpHeaders.USER_AGENT, USER_AGENT)
        .putHeader(HttpHeaders.ACCEPT, "application/json")
        .putHeader(LinqClient.HOP_HEADER, options.getHopId());
    if (body != null) {
      request.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    }
    if (options.getApiKey() != null) {
      request.putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + options.getApiKey());
    }
    return client.request(request).compose(sending -> {
      // The bound decides the outcome (a timeout), whatever failure the reset then causes.
      Promise<Reply> bounded = Promise.promise();
      long left = boundMillis - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      long timer = vertx.setTimer(Math.max(1, left), expired -> {
        if (bounded.tryFail(new TimeoutException("no whole answer within " + boundMillis + " ms"))) {
          sending.reset();
        }
      });
      departure.get()
          .compose(leave -> bounded.future().isComplete() // the bound passed while it was held: never written
              ? Future.<HttpClientResponse>failedFuture(bounded.future().cause())
              : body == null ? sending.send() : sending.send(body))
          .compose(response -> response.body().map(bytes -> new Reply(response.statusCode(), response.headers(), bytes)))
          .onComplete(done -> {
            vertx.cancelTimer(timer);
            if (done.succeeded()) {
              bounded.tryComplete(done.result());
            } else {
              bounded.tryFail(done.cause());
            }
          });
      return bounded.future();
    }).map(reply -> reply.statusCode() == 200 ? onOk.apply(reply) : classifyError(reply))
        .otherwise(HttpClientLinqClient::transportFault);
  }

  private LinqOutcome answer(Reply response) {
    String traceId = response.header("X-Trace-ID");
    JsonObject json = jsonOrNull(response.body());
    if (json == null || !(json.getValue("address") instanceof String address)
        || !(json.getValue("available") instanceof Boolean available)
        || !optionalString(json, "reason") || !optionalString(json, "selected_service")) {
      return new LinqOutcome.TransientFault(Kind.BAD_BODY, "200 without a capability answer", traceId);
    }
    return new LinqOutcome.Answered(
        new CheckAnswer(address, available, json.getString("reason"), json.getString("selected_service")), traceId);
  }

  private LinqOutcome lines(Reply response) {
    String traceId = response.header("X-Trace-ID");
    JsonObject json = jsonOrNull(response.body());
    JsonArray numbers = json == null ? null : json.getValue("phone_numbers") instanceof JsonArray a ? a : null;
    if (numbers == null) {
      return new LinqOutcome.TransientFault(Kind.BAD_BODY, "200 without phone_numbers", traceId);
    }
    List<String> lines = new ArrayList<>();
    for (Object item : numbers) {
      if (item instanceof JsonObject entry && entry.getValue("phone_number") instanceof String number) {
        lines.add(number);
      }
    }
    return new LinqOutcome.SenderLines(List.copyOf(lines), traceId);
  }

  private LinqOutcome classifyError(Reply response) {
    int status = response.statusCode();
    JsonObject envelope = jsonOrNull(response.body());
    JsonObject error = envelope == null ? null : envelope.getValue("error") instanceof JsonObject e ? e : null;
    int code = error != null && error.getValue("code") instanceof Number n ? n.intValue() : 0;
    String message = error != null && error.getValue("message") instanceof String m ? m : "HTTP " + status;
    String traceId = response.header("X-Trace-ID");
    if (traceId == null && envelope != null && envelope.getValue("trace_id") instanceof String t) {
      traceId = t;
    }
    if (status == 429) {
      Number bodyDelay = error != null && error.getValue("retry_after") instanceof Number n ? n : null;
      long delay = RetryAfter.delayMillis(response.header("Retry-After"), bodyDelay, System.currentTimeMillis())
          .orElse(options.getDefaultRetryAfterMillis());
      return new LinqOutcome.RateLimited(delay, traceId);
    }
    if (status == 401 || (status == 403 && code == ErrorCodes.FORBIDDEN)) {
      return new LinqOutcome.CredentialsRejected(status, code == 0 ? ErrorCodes.UNAUTHORIZED : code, message, traceId);
    }
    if (status == 508 && code == ErrorCodes.LOOP_DETECTED) {
      // A gateway (this one) saw its own hop header: retrying only loops again; the caller gets the 508.
      return new LinqOutcome.Rejected(new CheckException(status, code, message, null, traceId), traceId);
    }
    if (status == 503 && ErrorCodes.isSenderLineFault(code)) {
      return new LinqOutcome.SenderLineFault(code, message, traceId);
    }
    if (status >= 500 || status == 408 || status == 409) {
      Kind kind = status == 408 || status == 504 ? Kind.TIMEOUT : Kind.SERVER_ERROR;
      return new LinqOutcome.TransientFault(kind, "HTTP " + status, traceId);
    }
    return new LinqOutcome.Rejected(new CheckException(status, code, message, null, traceId), traceId);
  }

  private static LinqOutcome transportFault(Throwable failure) {
    if (failure instanceof TimeoutException || failure.getClass().getSimpleName().contains("Timeout")) {
      return LinqOutcome.TransientFault.of(Kind.TIMEOUT, "no response in time");
    }
    if (failure instanceof ConnectException) {
      return LinqOutcome.TransientFault.of(Kind.CONNECTION, "connection refused");
    }
    return LinqOutcome.TransientFault.of(Kind.CONNECTION, failure.getClass().getSimpleName());
  }

  private static JsonObject jsonOrNull(Buffer body) {
    if (body == null || body.length() == 0) {
      return null;
    }
    try {
      Object value = io.vertx.core.json.Json.decodeValue(body);
      return value instanceof JsonObject json ? json : null;
    } catch (RuntimeException notJson) {
      return null;
    }
  }

  private static boolean optionalString(JsonObject json, String field) {
    Object value = json.getValue(field);
    return value == null || value instanceof String;
  }
}
