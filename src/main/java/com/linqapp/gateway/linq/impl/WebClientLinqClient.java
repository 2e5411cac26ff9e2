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
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * {@link LinqClient} over one Vert.x {@link WebClient}. The pool holds as many connections as the
 * engine may have requests in flight, and its wait queue is bounded, so a bug upstream of the client
 * can never build an unbounded backlog here.
 */
public final class WebClientLinqClient implements LinqClient {

  private static final String USER_AGENT = "linq-capability-gateway/0.1";

  private final WebClient client;
  private final LinqClientOptions options;
  private final String baseUrl;

  public WebClientLinqClient(Vertx vertx, LinqClientOptions options) {
    this.options = options;
    this.baseUrl = options.getBaseUrl().replaceAll("/+$", "");
    WebClientOptions clientOptions = new WebClientOptions()
        .setUserAgent(USER_AGENT)
        .setConnectTimeout(options.getConnectTimeoutMillis())
        .setKeepAlive(true)
        .setVerifyHost(true)
        .setTrustAll(false)
        .setFollowRedirects(false);
    // Until their connections open, requests wait in the queue: it holds all the engine may send at once,
    // a full window of checks and the key probe; one more would be a bug upstream, refused here.
    PoolOptions pool = new PoolOptions()
        .setHttp1MaxSize(options.getMaxConcurrency())
        .setMaxWaitQueueSize(options.getMaxConcurrency() + 1);
    this.client = WebClient.create(vertx, clientOptions, pool);
  }

  @Override
  public Future<LinqOutcome> check(Service service, String address, String from, long timeoutMillis) {
    JsonObject body = new JsonObject().put("address", address);
    if (from != null) {
      body.put("from", from);
    }
    long idle = Math.max(1, Math.min(timeoutMillis, options.getIdleTimeoutMillis()));
    return exchange(request(HttpMethod.POST, "/v3/capability/" + service.linqRoute(), idle)
        .sendJsonObject(body), this::answer);
  }

  @Override
  public Future<LinqOutcome> senderLines() {
    return exchange(request(HttpMethod.GET, "/v3/phone_numbers", options.getIdleTimeoutMillis()).send(), this::lines);
  }

  @Override
  public Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }

  private HttpRequest<Buffer> request(HttpMethod method, String path, long idleTimeoutMillis) {
    HttpRequest<Buffer> request = client.requestAbs(method, baseUrl + path)
        .idleTimeout(idleTimeoutMillis)
        .putHeader("Accept", "application/json")
        .putHeader(LinqClient.HOP_HEADER, options.getHopId());
    if (options.getApiKey() != null) {
      request.bearerTokenAuthentication(options.getApiKey());
    }
    return request;
  }

  /** One place that turns any response or transport failure into an outcome. */
  private Future<LinqOutcome> exchange(Future<HttpResponse<Buffer>> sent,
                                       java.util.function.Function<HttpResponse<Buffer>, LinqOutcome> onOk) {
    return sent.map(response -> response.statusCode() == 200 ? onOk.apply(response) : classifyError(response))
        .otherwise(WebClientLinqClient::transportFault);
  }

  private LinqOutcome answer(HttpResponse<Buffer> response) {
    String traceId = response.getHeader("X-Trace-ID");
    JsonObject json = jsonOrNull(response.body());
    if (json == null || !(json.getValue("address") instanceof String address)
        || !(json.getValue("available") instanceof Boolean available)
        || !optionalString(json, "reason") || !optionalString(json, "selected_service")) {
      return new LinqOutcome.TransientFault(Kind.BAD_BODY, "200 without a capability answer", traceId);
    }
    return new LinqOutcome.Answered(
        new CheckAnswer(address, available, json.getString("reason"), json.getString("selected_service")), traceId);
  }

  private LinqOutcome lines(HttpResponse<Buffer> response) {
    String traceId = response.getHeader("X-Trace-ID");
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

  private LinqOutcome classifyError(HttpResponse<Buffer> response) {
    int status = response.statusCode();
    JsonObject envelope = jsonOrNull(response.body());
    JsonObject error = envelope == null ? null : envelope.getValue("error") instanceof JsonObject e ? e : null;
    int code = error != null && error.getValue("code") instanceof Number n ? n.intValue() : 0;
    String message = error != null && error.getValue("message") instanceof String m ? m : "HTTP " + status;
    String traceId = response.getHeader("X-Trace-ID");
    if (traceId == null && envelope != null && envelope.getValue("trace_id") instanceof String t) {
      traceId = t;
    }
    if (status == 429) {
      Number bodyDelay = error != null && error.getValue("retry_after") instanceof Number n ? n : null;
      long delay = RetryAfter.delayMillis(response.getHeader("Retry-After"), bodyDelay, System.currentTimeMillis())
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
