package com.linqapp.gateway.http;

import com.linqapp.gateway.bus.CapabilityClient;
import com.linqapp.gateway.bus.CheckMessages;
import com.linqapp.gateway.bus.CheckQuery;
import com.linqapp.gateway.cache.CachedAnswer;
import com.linqapp.gateway.cache.ResultCache;
import com.linqapp.gateway.check.AddressRule;
import com.linqapp.gateway.check.CheckException;
import com.linqapp.gateway.check.CheckKey;
import com.linqapp.gateway.check.CheckResult;
import com.linqapp.gateway.check.ErrorCodes;
import com.linqapp.gateway.check.Freshness;
import com.linqapp.gateway.check.Priority;
import com.linqapp.gateway.check.Service;
import com.linqapp.gateway.check.StrictJson;
import com.linqapp.gateway.metrics.GatewayMetrics;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * {@code POST /api/partner/v3/capability/check_imessage|check_rcs}, Linq-compatible: same body, same
 * answer fields, Linq's envelope on errors. Input is validated here, on the HTTP event loop, so a bad
 * request never reaches the engine, let alone Linq; a fresh cached answer is served here too.
 */
final class CapabilityHandler {

  /** The SDKs send their own timeout; answering a little before it lets them read our answer. */
  static final long SDK_TIMEOUT_MARGIN_MILLIS = 500;
  /**
   * The SDKs send whole seconds, so a timeout under a second arrives as {@code 0}: such a caller still gets
   * this long, enough for a cache hit or a quick answer from Linq.
   */
  static final long MIN_SDK_DEADLINE_MILLIS = 250;

  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence X_CACHE = HttpHeaders.createOptimized("X-Cache");
  private static final CharSequence X_PRIORITY = HttpHeaders.createOptimized("X-Priority");
  private static final CharSequence X_REQUEST_TIMEOUT_MS = HttpHeaders.createOptimized("X-Request-Timeout-Ms");
  private static final CharSequence X_STAINLESS_TIMEOUT = HttpHeaders.createOptimized("X-Stainless-Timeout");

  private final Service service;
  private final String route;
  private final AddressRule rule;
  private final CapabilityClient engine;
  private final ResultCache cache;
  private final GatewayMetrics metrics;
  private final DrainSwitch drain;

  CapabilityHandler(Service service, String route, AddressRule rule, CapabilityClient engine, ResultCache cache,
                    GatewayMetrics metrics, DrainSwitch drain) {
    this.service = service;
    this.route = route;
    this.rule = rule;
    this.engine = engine;
    this.cache = cache;
    this.metrics = metrics;
    this.drain = drain;
  }

  /** The route's path, for metrics (one constant string, its hash computed once). */
  String route() {
    return route;
  }

  /** Answers one check request whose body has been read (and whose client is authenticated). */
  void answer(HttpServerRequest request, Buffer body, String requestId, String client) {
    HttpServerResponse response = request.response();
    if (drain.draining()) {
      ErrorResponder.shuttingDown(response); // a cache hit too: the engine never sees it
      return;
    }
    CheckQuery query;
    try {
      query = query(request, body);
    } catch (CheckException bad) {
      ErrorResponder.send(response, bad);
      return;
    }
    cache.get(new CheckKey(service, query.address(), query.from())).onComplete(lookup -> {
      long now = cache.now();
      CachedAnswer cached = lookup.succeeded() ? lookup.result() : null;
      if (cached != null && cached.freshFor(query.freshness(), now)) {
        metrics.onResult(CheckResult.Source.HIT);
        respond(response, CheckResult.Source.HIT, cached.ageSeconds(now), cached.linqJson());
      } else if (lookup.failed()) {
        ErrorResponder.send(response, CheckMessages.toCheckException(lookup.cause()));
      } else {
        engine.check(query, requestId, client).onComplete(done -> {
          if (done.succeeded()) {
            CheckResult result = done.result();
            respond(response, result.source(), result.ageSeconds(), result.answer().toLinqJson().toBuffer());
          } else {
            ErrorResponder.send(response, CheckMessages.toCheckException(done.cause()));
          }
        });
      }
    });
  }

  /** The body's Linq fields ({@code address}, {@code from}; any other is ignored, as Linq does) and the headers. */
  private CheckQuery query(HttpServerRequest request, Buffer body) {
    String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (contentType != null && !isJson(contentType)) {
      throw CheckException.badRequest(ErrorCodes.BODY_NOT_JSON, "Body must be JSON sent as Content-Type: application/json");
    }
    JsonObject json = parseObject(body);
    JsonObject linqFields = new JsonObject().put("address", json.getValue("address")).put("from", json.getValue("from"));
    Priority priority;
    try {
      priority = Priority.parse(request.getHeader(X_PRIORITY), Priority.INTERACTIVE);
    } catch (IllegalArgumentException e) {
      throw CheckQuery.invalid("X-Priority must be interactive or bulk");
    }
    Freshness freshness;
    try {
      freshness = Freshness.parseCacheControl(request.getHeader(HttpHeaders.CACHE_CONTROL));
    } catch (IllegalArgumentException e) {
      throw CheckQuery.invalid(e.getMessage());
    }
    CheckQuery query = CheckQuery.parse(linqFields, service, rule).withPriority(priority).withFreshness(freshness);
    Long timeout = timeoutMillis(request);
    return timeout == null ? query : query.withTimeout(timeout);
  }

  private static boolean isJson(String contentType) {
    String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    return mediaType.equals("application/json") || mediaType.endsWith("+json");
  }

  static JsonObject parseObject(Buffer body) {
    JsonObject json = StrictJson.objectOrNull(body);
    if (json == null) {
      throw CheckException.badRequest(ErrorCodes.BODY_NOT_JSON, "Request body must be a JSON object");
    }
    return json;
  }

  /** {@code X-Request-Timeout-Ms}, else the SDKs' {@code X-Stainless-Timeout} (seconds), else the default. */
  static Long timeoutMillis(HttpServerRequest request) {
    String millis = request.getHeader(X_REQUEST_TIMEOUT_MS);
    if (millis != null) {
      return parseTimeout("X-Request-Timeout-Ms", millis, 1, 1);
    }
    String seconds = request.getHeader(X_STAINLESS_TIMEOUT);
    if (seconds != null) {
      long sdkMillis = parseTimeout("X-Stainless-Timeout", seconds, 0, 1000);
      return Math.max(MIN_SDK_DEADLINE_MILLIS, sdkMillis - SDK_TIMEOUT_MARGIN_MILLIS);
    }
    return null;
  }

  private static long parseTimeout(String header, String value, long min, long unitMillis) {
    try {
      long parsed = Long.parseLong(value.trim());
      if (parsed >= min && parsed * unitMillis <= CheckQuery.MAX_TIMEOUT_MILLIS) {
        return parsed * unitMillis;
      }
    } catch (NumberFormatException ignored) {
      // reported below
    }
    throw CheckQuery.invalid(header + " must be a whole number up to " + CheckQuery.MAX_TIMEOUT_MILLIS / unitMillis);
  }

  private static void respond(HttpServerResponse response, CheckResult.Source source, long ageSeconds, Buffer body) {
    if (response.ended() || response.closed()) {
      return;
    }
    // add, not put: none of these is set yet, and put first searches for (and removes) an old value
    MultiMap headers = response.headers().add(HttpHeaders.CONTENT_TYPE, JSON).add(X_CACHE, source.header());
    if (source != CheckResult.Source.MISS && source != CheckResult.Source.COALESCED) {
      headers.add(HttpHeaders.AGE, String.valueOf(ageSeconds));
    }
    response.end(body);
  }
}
