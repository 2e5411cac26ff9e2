package com.linqapp.gateway.sim;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Objects;

/**
 * An in-process fake of Linq's Partner API v3 capability endpoints ({@code check_imessage}, {@code check_rcs},
 * {@code phone_numbers}) with configurable rate limiting, latency and faults, plus counters for assertions.
 *
 * <p>The HTTP server runs in one verticle so request state stays on one event loop. The control methods are
 * thread-safe and take effect for the next request that arrives after they return.
 *
 * <p>Besides the Linq routes it serves, without authentication, {@code GET /_sim/stats} (the
 * {@link SimulatorStats#toJson()} counters), {@code POST /_sim/reset} (zeroes them), and {@code GET|POST
 * /_sim/rate-limit} (the limit in force; a change while running, see {@link #retune}).
 */
public final class LinqSimulator {

  private final Vertx vertx;
  private final String deploymentId;
  private final SimulatorVerticle verticle;
  private final LiveSettings live;
  private final SimulatorStats stats;
  private final Hold hold;
  private final String host;
  private final boolean tls;

  private LinqSimulator(Vertx vertx, String deploymentId, SimulatorVerticle verticle, LiveSettings live,
      SimulatorStats stats, Hold hold, String host, boolean tls) {
    this.vertx = vertx;
    this.deploymentId = deploymentId;
    this.verticle = verticle;
    this.live = live;
    this.stats = stats;
    this.hold = hold;
    this.host = host;
    this.tls = tls;
  }

  /**
   * Starts a simulator; the options are copied.
   *
   * @return a future completed once the server listens
   */
  public static Future<LinqSimulator> start(Vertx vertx, SimulatorOptions options) {
    SimulatorOptions copy = new SimulatorOptions(options);
    LiveSettings live = new LiveSettings(copy);
    SimulatorStats stats = new SimulatorStats();
    Hold hold = new Hold();
    SimulatorVerticle verticle = new SimulatorVerticle(copy, live, stats, hold);
    String host = copy.getHost().equals("0.0.0.0") || copy.getHost().equals("::") ? "127.0.0.1" : copy.getHost();
    return vertx.deployVerticle(verticle)
        .map(id -> new LinqSimulator(vertx, id, verticle, live, stats, hold, host, copy.getKeyCertOptions() != null));
  }

  /**
   * Whether the simulator answers {@code available: true}; see {@link Availability#expectedAvailable}.
   *
   * @param service {@code "iMessage"} or {@code "RCS"}
   */
  public static boolean expectedAvailable(String service, String address, int availablePercent) {
    return Availability.expectedAvailable(service, address, availablePercent);
  }

  /** @return the port the server listens on */
  public int port() {
    return verticle.actualPort();
  }

  /** @return the Linq base URL to point a client at, e.g. {@code http://127.0.0.1:PORT/api/partner} */
  public String baseUrl() {
    return origin() + "/api/partner";
  }

  /**
   * @return scheme, host and port, e.g. {@code http://127.0.0.1:PORT}, {@code https://} when serving TLS (the
   *     {@code /_sim} routes hang off it)
   */
  public String origin() {
    String h = host.contains(":") ? "[" + host + "]" : host;
    return (tls ? "https://" : "http://") + h + ":" + port();
  }

  /** @return the account's sender lines */
  public List<String> lines() {
    return live.lines;
  }

  /** @return the live counters */
  public SimulatorStats stats() {
    return stats;
  }

  /** Zeroes the counters (not the rate-limit budgets nor the pauses already announced). */
  public void resetStats() {
    stats.clear();
  }

  /** @return the API key currently accepted */
  public String apiKey() {
    return live.apiKey;
  }

  /** Changes the accepted API key, e.g. to simulate a rotated or revoked credential. */
  public LinqSimulator apiKey(String key) {
    live.apiKey = Objects.requireNonNull(key, "key");
    return this;
  }

  /** When {@code true}, the key is accepted but every route answers 403/2005. */
  public LinqSimulator forbidden(boolean forbidden) {
    live.forbidden = forbidden;
    return this;
  }

  /** Installs new rate-limit settings; budgets restart full. */
  public LinqSimulator rateLimit(RateLimitConfig config) {
    Objects.requireNonNull(config, "config");
    live.keepLevels = false;
    live.rateLimit = config;
    return this;
  }

  /**
   * Changes the limit while the simulator runs, as Linq may: token buckets of the same scope keep the tokens they
   * hold (at most the new burst), so a drop does not come with a fresh burst. Also {@code POST /_sim/rate-limit}.
   */
  public LinqSimulator retune(RateLimitConfig config) {
    Objects.requireNonNull(config, "config");
    live.keepLevels = true;
    live.rateLimit = config;
    return this;
  }

  /** @return the rate-limit settings in force */
  public RateLimitConfig rateLimit() {
    return live.rateLimit;
  }

  /** Switches to a token bucket (keeping the current scope); the budget restarts full. */
  public LinqSimulator tokenBucket(double ratePerSecond, int burst) {
    return rateLimit(RateLimitConfig.tokenBucket(ratePerSecond, burst).withScope(live.rateLimit.scope()));
  }

  /** Switches to a fixed window (keeping the current scope); the budget restarts full. */
  public LinqSimulator fixedWindow(long windowMillis, int windowLimit) {
    return rateLimit(RateLimitConfig.fixedWindow(windowMillis, windowLimit).withScope(live.rateLimit.scope()));
  }

  /** Turns rate limiting off. */
  public LinqSimulator noRateLimit() {
    RateLimitConfig c = live.rateLimit;
    return rateLimit(new RateLimitConfig(RateLimitMode.NONE, c.ratePerSecond(), c.burst(), c.windowMillis(),
        c.windowLimit(), c.scope()));
  }

  /** Changes the rate-limit scope; budgets restart full. */
  public LinqSimulator rateLimitScope(RateLimitScope scope) {
    return rateLimit(live.rateLimit.withScope(scope));
  }

  /** Sets the fixed and random extra latency of check responses, in milliseconds. */
  public LinqSimulator latency(long latencyMillis, long jitterMillis) {
    if (latencyMillis < 0 || jitterMillis < 0) {
      throw new IllegalArgumentException("latency and jitter must be >= 0");
    }
    live.latencyMillis = latencyMillis;
    live.jitterMillis = jitterMillis;
    return this;
  }

  /** Sets the probability in [0,1] of a 500/3006 answer. */
  public LinqSimulator errorRate(double rate) {
    live.errorRate = SimulatorOptions.rate("errorRate", rate);
    return this;
  }

  /** Sets the probability in [0,1] of closing the connection without a response. */
  public LinqSimulator resetRate(double rate) {
    live.resetRate = SimulatorOptions.rate("resetRate", rate);
    return this;
  }

  /** Sets the probability in [0,1] of a 200 with a non-JSON body. */
  public LinqSimulator garbageRate(double rate) {
    live.garbageRate = SimulatorOptions.rate("garbageRate", rate);
    return this;
  }

  /** Sets the probability in [0,1] of never answering. */
  public LinqSimulator hangRate(double rate) {
    live.hangRate = SimulatorOptions.rate("hangRate", rate);
    return this;
  }

  /** Sets the probability in [0,1] of answering byte by byte. */
  public LinqSimulator slowRate(double rate) {
    live.slowRate = SimulatorOptions.rate("slowRate", rate);
    return this;
  }

  /** Sets the probability in [0,1] of a 503 sender-line fault on check_rcs. */
  public LinqSimulator rcsLineFaultRate(double rate) {
    live.rcsLineFaultRate = SimulatorOptions.rate("rcsLineFaultRate", rate);
    return this;
  }

  /** Sets every random fault rate to 0 and drops the scripted faults. */
  public LinqSimulator noFaults() {
    live.errorRate = 0;
    live.resetRate = 0;
    live.garbageRate = 0;
    live.hangRate = 0;
    live.slowRate = 0;
    live.rcsLineFaultRate = 0;
    live.clearScripted();
    return this;
  }

  /** Sets the percentage (0..100) of addresses answered as available. */
  public LinqSimulator availablePercent(int percent) {
    if (percent < 0 || percent > 100) {
      throw new IllegalArgumentException("availablePercent must be in 0..100: " + percent);
    }
    live.availablePercent = percent;
    return this;
  }

  /** Turns the {@code reason} and {@code selected_service} answer fields on or off. */
  public LinqSimulator extendedFields(boolean on) {
    live.extendedFields = on;
    return this;
  }

  /**
   * Makes the next {@code count} capability checks that pass authentication, validation and rate limiting suffer
   * {@code fault}, before any random fault. RCS line faults wait for the next check_rcs requests; scripted faults
   * queue up in call order.
   */
  public LinqSimulator failNext(Fault fault, int count) {
    live.failNext(fault, count);
    return this;
  }

  /**
   * Holds back the answers to checks that arrive from now on: each is authenticated, validated, rate
   * limited and given its fault as usual, then stays in flight, unanswered, until released. A test then
   * sees exactly what waits upstream ({@link #held()}, {@code stats().inFlight()}) and decides when it is
   * answered, instead of betting on a latency.
   */
  public LinqSimulator hold() {
    hold.start();
    return this;
  }

  /**
   * Answers the {@code count} oldest held checks (in arrival order); what is left of {@code count} lets
   * as many later arrivals through. Still holding afterwards.
   *
   * @return completes once done on the simulator's event loop
   */
  public Future<Void> release(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0: " + count);
    }
    return verticle.onLoop(() -> hold.release(count));
  }

  /**
   * Stops holding and answers every held check.
   *
   * @return completes once done on the simulator's event loop
   */
  public Future<Void> releaseAll() {
    hold.stop();
    return verticle.onLoop(hold::releaseAll);
  }

  /** @return addresses of the checks held now, oldest first */
  public List<String> held() {
    return hold.addresses();
  }

  /** @return scripted faults not yet consumed */
  public int pendingFaults() {
    return live.scriptedCount();
  }

  /** Stops the server; pending requests are dropped. */
  public Future<Void> close() {
    return vertx.undeploy(deploymentId);
  }
}
