package com.linqapp.gateway.sim;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.tracing.TracingPolicy;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * The HTTP side of the simulator. One instance; every piece of mutable state except {@link LiveSettings} and
 * {@link SimulatorStats} (both thread-safe) is confined to this verticle's event loop.
 */
final class SimulatorVerticle extends VerticleBase {

  static final String CHECK_IMESSAGE = "/api/partner/v3/capability/check_imessage";
  static final String CHECK_RCS = "/api/partner/v3/capability/check_rcs";
  static final String PHONE_NUMBERS = "/api/partner/v3/phone_numbers";
  static final String SIM_STATS = "/_sim/stats";
  static final String SIM_RESET = "/_sim/reset";
  static final String SIM_RATE_LIMIT = "/_sim/rate-limit";

  private final SimulatorOptions options;
  private final LiveSettings live;
  private final SimulatorStats stats;
  private final LongSupplier clock;
  private final Random random;
  private final PauseTracker pauses = new PauseTracker();
  private final Hold hold;
  private RateLimitPolicy policy;
  private int roundRobin;
  private HttpServer server;

  SimulatorVerticle(SimulatorOptions options, LiveSettings live, SimulatorStats stats, Hold hold) {
    this.options = options;
    this.live = live;
    this.stats = stats;
    this.hold = hold;
    this.clock = options.getNanoClock();
    this.random = new Random(options.getSeed());
  }

  @Override
  public Future<?> start() {
    // Linq is not traced: in sandbox mode the simulator shares the gateway's Vert.x, and its own server spans
    // would be roots of traces of their own beside the gateway's Linq call spans.
    HttpServerOptions serverOptions = new HttpServerOptions().setHost(options.getHost()).setPort(options.getPort())
        .setTracingPolicy(TracingPolicy.IGNORE);
    if (options.getKeyCertOptions() != null) {
      serverOptions.setSsl(true).setKeyCertOptions(options.getKeyCertOptions());
    }
    return vertx.createHttpServer(serverOptions)
        .requestHandler(this::route)
        .listen()
        .onSuccess(s -> server = s);
  }

  /** Runs {@code action} on this verticle's event loop (where held answers live); completes after it ran. */
  Future<Void> onLoop(Runnable action) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      action.run();
      done.complete();
    });
    return done.future();
  }

  /** @return the bound port (valid once started) */
  int actualPort() {
    return server.actualPort();
  }

  private void route(HttpServerRequest req) {
    String path = req.path();
    HttpMethod method = req.method();
    if (method == HttpMethod.POST && path.equals(CHECK_IMESSAGE)) {
      check(req, Availability.IMESSAGE);
    } else if (method == HttpMethod.POST && path.equals(CHECK_RCS)) {
      check(req, Availability.RCS);
    } else if (method == HttpMethod.GET && path.equals(PHONE_NUMBERS)) {
      phoneNumbers(req);
    } else if (method == HttpMethod.GET && path.equals(SIM_STATS)) {
      json(req.response(), 200, stats.toJson());
    } else if (method == HttpMethod.POST && path.equals(SIM_RESET)) {
      stats.clear();
      json(req.response(), 200, stats.toJson());
    } else if (method == HttpMethod.GET && path.equals(SIM_RATE_LIMIT)) {
      json(req.response(), 200, live.rateLimit.toJson());
    } else if (method == HttpMethod.POST && path.equals(SIM_RATE_LIMIT)) {
      changeRateLimit(req);
    } else {
      error(req.response(), 404, 1004, "Not found");
    }
  }

  /**
   * {@code POST /_sim/rate-limit} with the fields to change ({@code rateLimitMode}, {@code ratePerSecond},
   * {@code burst}, {@code windowMillis}, {@code windowLimit}, {@code rateLimitScope}): a limit that changes while
   * the simulator runs. Token buckets keep what they hold. Answers the settings now in force, or 400.
   */
  private void changeRateLimit(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      RateLimitConfig next;
      try {
        next = live.rateLimit.with(body.length() == 0 ? new JsonObject() : new JsonObject(body));
      } catch (RuntimeException bad) {
        error(req.response(), 400, 1003, "Bad rate limit: " + bad.getMessage());
        return;
      }
      live.keepLevels = true;
      live.rateLimit = next;
      json(req.response(), 200, next.toJson());
    });
  }

  private void phoneNumbers(HttpServerRequest req) {
    stats.countPhoneNumbers();
    if (!authorized(req)) {
      return;
    }
    JsonArray numbers = new JsonArray();
    for (String line : live.lines) {
      numbers.add(new JsonObject().put("id", lineId(line)).put("phone_number", line));
    }
    json(req.response(), 200, new JsonObject().put("phone_numbers", numbers));
  }

  static String lineId(String line) {
    return UUID.nameUUIDFromBytes(("linq-sim-line:" + line).getBytes(StandardCharsets.UTF_8)).toString();
  }

  private void check(HttpServerRequest req, String service) {
    long arrival = clock.getAsLong();
    stats.checkArrived();
    HttpServerResponse resp = req.response();
    boolean[] finished = {false};
    Runnable finish = () -> {
      if (!finished[0]) {
        finished[0] = true;
        stats.checkFinished();
      }
    };
    resp.endHandler(v -> finish.run());
    resp.closeHandler(v -> finish.run());
    // Read the whole body first so an early error never leaves unread bytes on a keep-alive connection.
    req.body().onComplete(ar -> {
      if (ar.failed()) {
        finish.run();
        return;
      }
      checkWithBody(req, service, ar.result(), arrival);
    });
  }

  private void checkWithBody(HttpServerRequest req, String service, Buffer body, long arrival) {
    HttpServerResponse resp = req.response();
    if (!authorized(req)) {
      return;
    }
    JsonObject json;
    try {
      json = body.length() == 0 ? null : new JsonObject(body);
    } catch (DecodeException | ClassCastException e) {
      json = null;
    }
    if (json == null) {
      error(resp, 400, 1003, "Invalid JSON body");
      return;
    }
    Object addressValue = json.getValue("address");
    if (!(addressValue instanceof String)) {
      error(resp, 400, 1001, "address is required");
      return;
    }
    String address = (String) addressValue;
    boolean valid = Availability.isE164(address)
        || (service.equals(Availability.IMESSAGE) && Availability.isEmail(address));
    if (!valid) {
      error(resp, 400, 1002, "Phone number must be in E.164 format");
      return;
    }
    Object fromValue = json.getValue("from");
    String line;
    if (fromValue == null) {
      line = live.lines.get(Math.floorMod(roundRobin++, live.lines.size()));
    } else if (fromValue instanceof String && live.lines.contains(fromValue)) {
      line = (String) fromValue;
    } else {
      error(resp, 403, 2006, "from number does not belong to this account");
      return;
    }

    stats.addressSeen(service, address);
    stats.lineUsed(line);
    RateLimitPolicy p = currentPolicy();
    String scopeKey = p.scopeKey(line);
    if (pauses.insidePause(scopeKey, arrival)) {
      stats.countInsidePause();
    }
    Fault outcome;
    long waitNanos = p.tryAcquire(scopeKey);
    if (waitNanos > 0) {
      outcome = Fault.rateLimited(RateLimiter.retryAfterSeconds(waitNanos));
    } else {
      outcome = live.pollScripted(service.equals(Availability.RCS));
      if (outcome == null) {
        outcome = randomFault(service);
      }
    }
    Fault decided = outcome;
    Runnable respond = () -> respond(req, service, address, scopeKey, decided);
    if (hold.park(address, respond)) {
      return; // answered when a test releases it
    }
    long delay = delayMillis();
    if (delay > 0) {
      vertx.setTimer(delay, t -> respond.run());
    } else {
      respond.run();
    }
  }

  private RateLimitPolicy currentPolicy() {
    RateLimitConfig cfg = live.rateLimit;
    if (policy == null || policy.config() != cfg) {
      policy = policy != null && live.keepLevels ? policy.retune(cfg) : new RateLimitPolicy(cfg, clock);
    }
    return policy;
  }

  private long delayMillis() {
    long jitter = live.jitterMillis;
    return live.latencyMillis + (jitter > 0 ? (long) (random.nextDouble() * (jitter + 1)) : 0);
  }

  /** One draw decides the fault so a given seed always yields the same sequence. */
  private Fault randomFault(String service) {
    boolean rcs = service.equals(Availability.RCS);
    double rcsRate = rcs ? live.rcsLineFaultRate : 0;
    double total = live.errorRate + live.resetRate + live.garbageRate + live.hangRate + live.slowRate + rcsRate;
    if (total <= 0) {
      return null;
    }
    double r = random.nextDouble();
    if ((r -= live.errorRate) < 0) {
      return Fault.error500();
    }
    if ((r -= live.resetRate) < 0) {
      return Fault.reset();
    }
    if ((r -= live.garbageRate) < 0) {
      return Fault.garbage();
    }
    if ((r -= live.hangRate) < 0) {
      return Fault.hang();
    }
    if ((r -= live.slowRate) < 0) {
      return Fault.slow();
    }
    if ((r -= rcsRate) < 0) {
      int[] codes = {Fault.RCS_LINE_UNAVAILABLE, Fault.RCS_LINE_NOT_PROVISIONED, Fault.RCS_LINE_SUSPENDED};
      return Fault.rcsLineFault(codes[random.nextInt(codes.length)]);
    }
    return null;
  }

  private void respond(HttpServerRequest req, String service, String address, String scopeKey, Fault fault) {
    HttpServerResponse resp = req.response();
    if (resp.closed()) {
      return;
    }
    if (fault == null) {
      stats.countAnswered();
      json(resp, 200, answer(service, address));
      return;
    }
    switch (fault.kind()) {
      case RATE_LIMITED:
        pauses.rateLimited(scopeKey, clock.getAsLong(), fault.value());
        error(resp, 429, 1007, "Rate limited. Try again in " + fault.value() + " seconds.", fault.value());
        break;
      case ERROR_500:
        error(resp, 500, 3006, "Internal server error");
        break;
      case RCS_LINE_FAULT:
        stats.countRcsLineFault();
        error(resp, 503, fault.value(), Fault.rcsMessage(fault.value()));
        break;
      case RESET:
        stats.countReset();
        req.connection().close();
        break;
      case RESET_MID_BODY:
        stats.countReset();
        Buffer whole = Buffer.buffer(answer(service, address).encode());
        resp.setStatusCode(200)
            .putHeader("Content-Type", "application/json")
            .putHeader("Content-Length", String.valueOf(whole.length()));
        resp.write(whole.getBuffer(0, whole.length() / 2));
        // Let the headers and the first half reach the client before the connection goes away.
        vertx.setTimer(20, t -> req.connection().close());
        break;
      case HANG:
        stats.countHang();
        break;
      case GARBAGE:
        stats.countGarbage();
        String full = answer(service, address).encode();
        String garbage = random.nextBoolean()
            ? full.substring(0, full.length() / 2)
            : "<html><body><h1>502 Bad Gateway</h1></body></html>";
        resp.setStatusCode(200).putHeader("Content-Type", "application/json").end(garbage);
        break;
      case SLOW:
        stats.countSlow();
        stats.countAnswered();
        Buffer bytes = Buffer.buffer(answer(service, address).encode());
        resp.setStatusCode(200)
            .putHeader("Content-Type", "application/json")
            .putHeader("Content-Length", String.valueOf(bytes.length()));
        writeSlowly(resp, bytes, 0);
        break;
      default:
        throw new IllegalStateException("unhandled fault " + fault);
    }
  }

  private void writeSlowly(HttpServerResponse resp, Buffer bytes, int index) {
    if (resp.closed()) {
      return;
    }
    Buffer one = bytes.getBuffer(index, index + 1);
    if (index == bytes.length() - 1) {
      resp.end(one);
      return;
    }
    resp.write(one);
    vertx.setTimer(live.slowByteDelayMillis, t -> writeSlowly(resp, bytes, index + 1));
  }

  private JsonObject answer(String service, String address) {
    int percent = live.availablePercent;
    boolean available = Availability.expectedAvailable(service, address, percent);
    JsonObject body = new JsonObject().put("address", address).put("available", available);
    if (live.extendedFields) {
      body.put("reason", available ? "registered" : "not_registered");
      String selected;
      if (available) {
        selected = service;
      } else if (service.equals(Availability.IMESSAGE) && Availability.isE164(address)
          && Availability.expectedAvailable(Availability.RCS, address, percent)) {
        selected = Availability.RCS;
      } else {
        selected = "SMS";
      }
      body.put("selected_service", selected);
    }
    return body;
  }

  /** Sends 401/403 and returns false unless the bearer token is the live key and the account is not forbidden. */
  private boolean authorized(HttpServerRequest req) {
    String header = req.getHeader("Authorization");
    if (header == null || !header.equals("Bearer " + live.apiKey)) {
      error(req.response(), 401, 2004, "Unauthorized - missing or invalid authentication token");
      return false;
    }
    if (live.forbidden) {
      error(req.response(), 403, 2005, "Access denied - insufficient permissions for this resource");
      return false;
    }
    return true;
  }

  private void error(HttpServerResponse resp, int status, int code, String message) {
    error(resp, status, code, message, 0);
  }

  private void error(HttpServerResponse resp, int status, int code, String message, int retryAfter) {
    if (status == 429) {
      stats.countRateLimited();
    } else if (status >= 500) {
      stats.countServerError();
    } else {
      stats.countClientError();
    }
    String traceId = String.format("trace_%016x", ThreadLocalRandom.current().nextLong());
    JsonObject err = new JsonObject().put("status", status).put("code", code).put("message", message);
    if (status == 429) {
      err.put("retry_after", retryAfter);
      resp.putHeader("Retry-After", String.valueOf(retryAfter));
    }
    resp.putHeader("X-Trace-ID", traceId);
    json(resp, status, new JsonObject().put("error", err).put("success", false).put("trace_id", traceId));
  }

  private static void json(HttpServerResponse resp, int status, JsonObject body) {
    resp.setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }

  /** Lines of the account, for {@link LinqSimulator}. */
  List<String> lines() {
    return live.lines;
  }
}
