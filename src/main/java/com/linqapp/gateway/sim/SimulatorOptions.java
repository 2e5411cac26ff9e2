package com.linqapp.gateway.sim;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.KeyCertOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Configuration of a {@link LinqSimulator}, in the style of Vert.x options classes. Not thread-safe: build it, then
 * hand it to {@link LinqSimulator#start}, which copies it. Runtime changes go through the simulator's control methods.
 */
public class SimulatorOptions {

  /** Default bind host: loopback. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** Default port: 0, i.e. a random free port. */
  public static final int DEFAULT_PORT = 0;
  /** Default accepted API key. */
  public static final String DEFAULT_API_KEY = "sim-key";
  /** Default sender lines of the simulated account. */
  public static final List<String> DEFAULT_LINES = List.of("+12025550101", "+12025550102", "+12025550103");
  /** Default: no rate limiting. */
  public static final RateLimitMode DEFAULT_RATE_LIMIT_MODE = RateLimitMode.NONE;
  /** Default token-bucket refill rate (requests per second). */
  public static final double DEFAULT_RATE_PER_SECOND = 10.0;
  /** Default token-bucket capacity. */
  public static final int DEFAULT_BURST = 20;
  /** Default fixed-window length in milliseconds. */
  public static final long DEFAULT_WINDOW_MILLIS = 5000;
  /** Default number of requests admitted per fixed window. */
  public static final int DEFAULT_WINDOW_LIMIT = 200;
  /** Default: one budget for the whole account. */
  public static final RateLimitScope DEFAULT_RATE_LIMIT_SCOPE = RateLimitScope.ACCOUNT;
  /** Default fixed latency added to every check answer, in milliseconds. */
  public static final long DEFAULT_LATENCY_MILLIS = 0;
  /** Default random extra latency (uniform in [0, jitter]), in milliseconds. */
  public static final long DEFAULT_JITTER_MILLIS = 0;
  /** Default probability of a 500/3006 answer. */
  public static final double DEFAULT_ERROR_RATE = 0;
  /** Default probability of closing the connection without answering. */
  public static final double DEFAULT_RESET_RATE = 0;
  /** Default probability of a 200 with a non-JSON body. */
  public static final double DEFAULT_GARBAGE_RATE = 0;
  /** Default probability of never answering. */
  public static final double DEFAULT_HANG_RATE = 0;
  /** Default probability of answering byte by byte. */
  public static final double DEFAULT_SLOW_RATE = 0;
  /** Default probability of a 503 sender-line fault on check_rcs. */
  public static final double DEFAULT_RCS_LINE_FAULT_RATE = 0;
  /** Default delay between two bytes of a slow answer, in milliseconds. */
  public static final long DEFAULT_SLOW_BYTE_DELAY_MILLIS = 20;
  /** Default seed of the simulator's random generator. */
  public static final long DEFAULT_SEED = 0L;
  /** Default percentage of addresses that are available. */
  public static final int DEFAULT_AVAILABLE_PERCENT = 70;
  /** Default: answers carry only {@code address} and {@code available}. */
  public static final boolean DEFAULT_EXTENDED_FIELDS = false;
  /** Default: the API key has every permission. */
  public static final boolean DEFAULT_FORBIDDEN = false;

  private String host;
  private int port;
  private String apiKey;
  private List<String> lines;
  private RateLimitMode rateLimitMode;
  private double ratePerSecond;
  private int burst;
  private long windowMillis;
  private int windowLimit;
  private RateLimitScope rateLimitScope;
  private long latencyMillis;
  private long jitterMillis;
  private double errorRate;
  private double resetRate;
  private double garbageRate;
  private double hangRate;
  private double slowRate;
  private double rcsLineFaultRate;
  private long slowByteDelayMillis;
  private long seed;
  private int availablePercent;
  private boolean extendedFields;
  private boolean forbidden;
  private LongSupplier nanoClock;
  private KeyCertOptions keyCertOptions;

  /** Creates options with every default. */
  public SimulatorOptions() {
    host = DEFAULT_HOST;
    port = DEFAULT_PORT;
    apiKey = DEFAULT_API_KEY;
    lines = new ArrayList<>(DEFAULT_LINES);
    rateLimitMode = DEFAULT_RATE_LIMIT_MODE;
    ratePerSecond = DEFAULT_RATE_PER_SECOND;
    burst = DEFAULT_BURST;
    windowMillis = DEFAULT_WINDOW_MILLIS;
    windowLimit = DEFAULT_WINDOW_LIMIT;
    rateLimitScope = DEFAULT_RATE_LIMIT_SCOPE;
    latencyMillis = DEFAULT_LATENCY_MILLIS;
    jitterMillis = DEFAULT_JITTER_MILLIS;
    errorRate = DEFAULT_ERROR_RATE;
    resetRate = DEFAULT_RESET_RATE;
    garbageRate = DEFAULT_GARBAGE_RATE;
    hangRate = DEFAULT_HANG_RATE;
    slowRate = DEFAULT_SLOW_RATE;
    rcsLineFaultRate = DEFAULT_RCS_LINE_FAULT_RATE;
    slowByteDelayMillis = DEFAULT_SLOW_BYTE_DELAY_MILLIS;
    seed = DEFAULT_SEED;
    availablePercent = DEFAULT_AVAILABLE_PERCENT;
    extendedFields = DEFAULT_EXTENDED_FIELDS;
    forbidden = DEFAULT_FORBIDDEN;
    nanoClock = System::nanoTime;
  }

  /** Copy constructor. */
  public SimulatorOptions(SimulatorOptions other) {
    host = other.host;
    port = other.port;
    apiKey = other.apiKey;
    lines = new ArrayList<>(other.lines);
    rateLimitMode = other.rateLimitMode;
    ratePerSecond = other.ratePerSecond;
    burst = other.burst;
    windowMillis = other.windowMillis;
    windowLimit = other.windowLimit;
    rateLimitScope = other.rateLimitScope;
    latencyMillis = other.latencyMillis;
    jitterMillis = other.jitterMillis;
    errorRate = other.errorRate;
    resetRate = other.resetRate;
    garbageRate = other.garbageRate;
    hangRate = other.hangRate;
    slowRate = other.slowRate;
    rcsLineFaultRate = other.rcsLineFaultRate;
    slowByteDelayMillis = other.slowByteDelayMillis;
    seed = other.seed;
    availablePercent = other.availablePercent;
    extendedFields = other.extendedFields;
    forbidden = other.forbidden;
    nanoClock = other.nanoClock;
    keyCertOptions = other.keyCertOptions == null ? null : other.keyCertOptions.copy();
  }

  /**
   * Creates options from JSON; absent fields keep their defaults. Field names are those of {@link #toJson()}.
   *
   * @throws IllegalArgumentException for an invalid value
   */
  public SimulatorOptions(JsonObject json) {
    this();
    setHost(json.getString("host", host));
    setPort(json.getInteger("port", port));
    setApiKey(json.getString("apiKey", apiKey));
    JsonArray arr = json.getJsonArray("lines");
    if (arr != null) {
      List<String> l = new ArrayList<>();
      for (Object o : arr) {
        l.add(String.valueOf(o));
      }
      setLines(l);
    }
    if (json.containsKey("rateLimitMode")) {
      setRateLimitMode(RateLimitMode.parse(json.getString("rateLimitMode")));
    }
    setRatePerSecond(json.getDouble("ratePerSecond", ratePerSecond));
    setBurst(json.getInteger("burst", burst));
    setWindowMillis(json.getLong("windowMillis", windowMillis));
    setWindowLimit(json.getInteger("windowLimit", windowLimit));
    if (json.containsKey("rateLimitScope")) {
      setRateLimitScope(RateLimitScope.parse(json.getString("rateLimitScope")));
    }
    setLatencyMillis(json.getLong("latencyMillis", latencyMillis));
    setJitterMillis(json.getLong("jitterMillis", jitterMillis));
    setErrorRate(json.getDouble("errorRate", errorRate));
    setResetRate(json.getDouble("resetRate", resetRate));
    setGarbageRate(json.getDouble("garbageRate", garbageRate));
    setHangRate(json.getDouble("hangRate", hangRate));
    setSlowRate(json.getDouble("slowRate", slowRate));
    setRcsLineFaultRate(json.getDouble("rcsLineFaultRate", rcsLineFaultRate));
    setSlowByteDelayMillis(json.getLong("slowByteDelayMillis", slowByteDelayMillis));
    setSeed(json.getLong("seed", seed));
    setAvailablePercent(json.getInteger("availablePercent", availablePercent));
    setExtendedFields(json.getBoolean("extendedFields", extendedFields));
    setForbidden(json.getBoolean("forbidden", forbidden));
  }

  /** @return these options as JSON (the clock is not serialised) */
  public JsonObject toJson() {
    return new JsonObject()
        .put("host", host)
        .put("port", port)
        .put("apiKey", apiKey)
        .put("lines", new JsonArray(new ArrayList<>(lines)))
        .put("rateLimitMode", rateLimitMode.wireName())
        .put("ratePerSecond", ratePerSecond)
        .put("burst", burst)
        .put("windowMillis", windowMillis)
        .put("windowLimit", windowLimit)
        .put("rateLimitScope", rateLimitScope.wireName())
        .put("latencyMillis", latencyMillis)
        .put("jitterMillis", jitterMillis)
        .put("errorRate", errorRate)
        .put("resetRate", resetRate)
        .put("garbageRate", garbageRate)
        .put("hangRate", hangRate)
        .put("slowRate", slowRate)
        .put("rcsLineFaultRate", rcsLineFaultRate)
        .put("slowByteDelayMillis", slowByteDelayMillis)
        .put("seed", seed)
        .put("availablePercent", availablePercent)
        .put("extendedFields", extendedFields)
        .put("forbidden", forbidden);
  }

  public String getHost() {
    return host;
  }

  /** Sets the host to bind to. */
  public SimulatorOptions setHost(String host) {
    this.host = Objects.requireNonNull(host, "host");
    return this;
  }

  public int getPort() {
    return port;
  }

  /** Sets the port to listen on; 0 picks a random free port. */
  public SimulatorOptions setPort(int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    this.port = port;
    return this;
  }

  public String getApiKey() {
    return apiKey;
  }

  /** Sets the bearer token the simulator accepts. */
  public SimulatorOptions setApiKey(String apiKey) {
    this.apiKey = Objects.requireNonNull(apiKey, "apiKey");
    return this;
  }

  /** @return a copy of the account's sender lines */
  public List<String> getLines() {
    return new ArrayList<>(lines);
  }

  /** Sets the account's sender lines (E.164, at least one). */
  public SimulatorOptions setLines(List<String> lines) {
    if (lines == null || lines.isEmpty()) {
      throw new IllegalArgumentException("at least one sender line is required");
    }
    for (String line : lines) {
      if (!Availability.isE164(line)) {
        throw new IllegalArgumentException("sender line is not E.164: " + line);
      }
    }
    this.lines = new ArrayList<>(lines);
    return this;
  }

  public RateLimitMode getRateLimitMode() {
    return rateLimitMode;
  }

  /** Sets the rate limiting algorithm for capability checks. */
  public SimulatorOptions setRateLimitMode(RateLimitMode rateLimitMode) {
    this.rateLimitMode = Objects.requireNonNull(rateLimitMode, "rateLimitMode");
    return this;
  }

  public double getRatePerSecond() {
    return ratePerSecond;
  }

  /** Sets the token-bucket refill rate in requests per second (&gt; 0). */
  public SimulatorOptions setRatePerSecond(double ratePerSecond) {
    if (!(ratePerSecond > 0)) {
      throw new IllegalArgumentException("ratePerSecond must be > 0: " + ratePerSecond);
    }
    this.ratePerSecond = ratePerSecond;
    return this;
  }

  public int getBurst() {
    return burst;
  }

  /** Sets the token-bucket capacity (&gt;= 1). */
  public SimulatorOptions setBurst(int burst) {
    if (burst < 1) {
      throw new IllegalArgumentException("burst must be >= 1: " + burst);
    }
    this.burst = burst;
    return this;
  }

  public long getWindowMillis() {
    return windowMillis;
  }

  /** Sets the fixed-window length in milliseconds (&gt; 0). */
  public SimulatorOptions setWindowMillis(long windowMillis) {
    if (windowMillis <= 0) {
      throw new IllegalArgumentException("windowMillis must be > 0: " + windowMillis);
    }
    this.windowMillis = windowMillis;
    return this;
  }

  public int getWindowLimit() {
    return windowLimit;
  }

  /** Sets the number of requests admitted per fixed window (&gt;= 1). */
  public SimulatorOptions setWindowLimit(int windowLimit) {
    if (windowLimit < 1) {
      throw new IllegalArgumentException("windowLimit must be >= 1: " + windowLimit);
    }
    this.windowLimit = windowLimit;
    return this;
  }

  public RateLimitScope getRateLimitScope() {
    return rateLimitScope;
  }

  /** Sets whether the budget is per account or per sender line. */
  public SimulatorOptions setRateLimitScope(RateLimitScope rateLimitScope) {
    this.rateLimitScope = Objects.requireNonNull(rateLimitScope, "rateLimitScope");
    return this;
  }

  public long getLatencyMillis() {
    return latencyMillis;
  }

  /** Sets the fixed delay before every check response, in milliseconds (&gt;= 0). */
  public SimulatorOptions setLatencyMillis(long latencyMillis) {
    this.latencyMillis = nonNegative("latencyMillis", latencyMillis);
    return this;
  }

  public long getJitterMillis() {
    return jitterMillis;
  }

  /** Sets the random extra delay (uniform in [0, jitter]) before every check response, in milliseconds. */
  public SimulatorOptions setJitterMillis(long jitterMillis) {
    this.jitterMillis = nonNegative("jitterMillis", jitterMillis);
    return this;
  }

  public double getErrorRate() {
    return errorRate;
  }

  /** Sets the probability in [0,1] of a 500/3006 answer. */
  public SimulatorOptions setErrorRate(double errorRate) {
    this.errorRate = rate("errorRate", errorRate);
    return this;
  }

  public double getResetRate() {
    return resetRate;
  }

  /** Sets the probability in [0,1] of closing the connection without a response. */
  public SimulatorOptions setResetRate(double resetRate) {
    this.resetRate = rate("resetRate", resetRate);
    return this;
  }

  public double getGarbageRate() {
    return garbageRate;
  }

  /** Sets the probability in [0,1] of a 200 whose body is not (complete) JSON. */
  public SimulatorOptions setGarbageRate(double garbageRate) {
    this.garbageRate = rate("garbageRate", garbageRate);
    return this;
  }

  public double getHangRate() {
    return hangRate;
  }

  /** Sets the probability in [0,1] of never answering. */
  public SimulatorOptions setHangRate(double hangRate) {
    this.hangRate = rate("hangRate", hangRate);
    return this;
  }

  public double getSlowRate() {
    return slowRate;
  }

  /** Sets the probability in [0,1] of answering byte by byte. */
  public SimulatorOptions setSlowRate(double slowRate) {
    this.slowRate = rate("slowRate", slowRate);
    return this;
  }

  public double getRcsLineFaultRate() {
    return rcsLineFaultRate;
  }

  /** Sets the probability in [0,1] of a 503 sender-line fault (check_rcs only). */
  public SimulatorOptions setRcsLineFaultRate(double rcsLineFaultRate) {
    this.rcsLineFaultRate = rate("rcsLineFaultRate", rcsLineFaultRate);
    return this;
  }

  public long getSlowByteDelayMillis() {
    return slowByteDelayMillis;
  }

  /** Sets the delay between two bytes of a slow answer, in milliseconds (&gt;= 1). */
  public SimulatorOptions setSlowByteDelayMillis(long slowByteDelayMillis) {
    if (slowByteDelayMillis < 1) {
      throw new IllegalArgumentException("slowByteDelayMillis must be >= 1: " + slowByteDelayMillis);
    }
    this.slowByteDelayMillis = slowByteDelayMillis;
    return this;
  }

  public long getSeed() {
    return seed;
  }

  /** Sets the seed of the random generator deciding faults and jitter. */
  public SimulatorOptions setSeed(long seed) {
    this.seed = seed;
    return this;
  }

  public int getAvailablePercent() {
    return availablePercent;
  }

  /** Sets the percentage (0..100) of addresses answered as available. */
  public SimulatorOptions setAvailablePercent(int availablePercent) {
    if (availablePercent < 0 || availablePercent > 100) {
      throw new IllegalArgumentException("availablePercent must be in 0..100: " + availablePercent);
    }
    this.availablePercent = availablePercent;
    return this;
  }

  public boolean isExtendedFields() {
    return extendedFields;
  }

  /** Sets whether answers also carry {@code reason} and {@code selected_service}. */
  public SimulatorOptions setExtendedFields(boolean extendedFields) {
    this.extendedFields = extendedFields;
    return this;
  }

  public boolean isForbidden() {
    return forbidden;
  }

  /** Sets whether the key is accepted but lacks permission (403/2005 on every route). */
  public SimulatorOptions setForbidden(boolean forbidden) {
    this.forbidden = forbidden;
    return this;
  }

  public LongSupplier getNanoClock() {
    return nanoClock;
  }

  /**
   * Sets the monotonic nanosecond clock used for rate limiting and pause accounting (default
   * {@code System::nanoTime}); lets tests drive time. Not part of the JSON form.
   */
  public SimulatorOptions setNanoClock(LongSupplier nanoClock) {
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    return this;
  }

  static double rate(String name, double value) {
    if (!(value >= 0 && value <= 1)) {
      throw new IllegalArgumentException(name + " must be in [0,1]: " + value);
    }
    return value;
  }

  private static long nonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + " must be >= 0: " + value);
    }
    return value;
  }

  /** @return the server's key and certificate when it serves HTTPS, else {@code null} (plain HTTP; the default) */
  public KeyCertOptions getKeyCertOptions() {
    return keyCertOptions;
  }

  /**
   * Serves HTTPS with this key and certificate ({@code null}: plain HTTP). Not part of {@link #toJson()}: tests
   * use it to check how a client treats a certificate it does or does not trust.
   */
  public SimulatorOptions setKeyCertOptions(KeyCertOptions keyCertOptions) {
    this.keyCertOptions = keyCertOptions;
    return this;
  }

  @Override
  public String toString() {
    return "SimulatorOptions" + toJson().encode();
  }
}
