package com.linqapp.gateway.linq;

import io.vertx.core.json.JsonObject;

/** Options of {@link LinqClient}, in the shape of Vert.x's own options classes. */
public class LinqClientOptions {

  /** Linq's production base URL (the SDKs' default). */
  public static final String DEFAULT_BASE_URL = "https://api.linqapp.com/api/partner";
  /** Most requests in flight; also the connection pool size. */
  public static final int DEFAULT_MAX_CONCURRENCY = 16;
  /** TCP connect timeout: a few seconds, so a dead host fails fast and the retry policy can act. */
  public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 3_000;
  /** Longest silence on a connection before the exchange counts as timed out. */
  public static final long DEFAULT_IDLE_TIMEOUT_MILLIS = 15_000;
  /**
   * Longest a whole exchange may take, however it trickles (a check's own deadline bounds it further):
   * the gateway's default deadline, so a check with a longer one retries a stuck exchange in time.
   */
  public static final long DEFAULT_REQUEST_TIMEOUT_MILLIS = 30_000;
  /** Pause after a 429 that names no delay at all. */
  public static final long DEFAULT_RETRY_AFTER_MILLIS = 5_000;

  private String baseUrl = DEFAULT_BASE_URL;
  private String apiKey;
  private int maxConcurrency = DEFAULT_MAX_CONCURRENCY;
  private int connectTimeoutMillis = DEFAULT_CONNECT_TIMEOUT_MILLIS;
  private long idleTimeoutMillis = DEFAULT_IDLE_TIMEOUT_MILLIS;
  private long requestTimeoutMillis = DEFAULT_REQUEST_TIMEOUT_MILLIS;
  private long defaultRetryAfterMillis = DEFAULT_RETRY_AFTER_MILLIS;
  private String hopId = "";

  public LinqClientOptions() {
  }

  public LinqClientOptions(LinqClientOptions other) {
    this.baseUrl = other.baseUrl;
    this.apiKey = other.apiKey;
    this.maxConcurrency = other.maxConcurrency;
    this.connectTimeoutMillis = other.connectTimeoutMillis;
    this.idleTimeoutMillis = other.idleTimeoutMillis;
    this.requestTimeoutMillis = other.requestTimeoutMillis;
    this.defaultRetryAfterMillis = other.defaultRetryAfterMillis;
    this.hopId = other.hopId;
  }

  public LinqClientOptions(JsonObject json) {
    this.baseUrl = json.getString("baseUrl", DEFAULT_BASE_URL);
    this.apiKey = json.getString("apiKey");
    this.maxConcurrency = json.getInteger("maxConcurrency", DEFAULT_MAX_CONCURRENCY);
    this.connectTimeoutMillis = json.getInteger("connectTimeoutMillis", DEFAULT_CONNECT_TIMEOUT_MILLIS);
    this.idleTimeoutMillis = json.getLong("idleTimeoutMillis", DEFAULT_IDLE_TIMEOUT_MILLIS);
    this.requestTimeoutMillis = json.getLong("requestTimeoutMillis", DEFAULT_REQUEST_TIMEOUT_MILLIS);
    this.defaultRetryAfterMillis = json.getLong("defaultRetryAfterMillis", DEFAULT_RETRY_AFTER_MILLIS);
    this.hopId = json.getString("hopId", "");
  }

  /** The key is left out: options are logged, keys never are. */
  public JsonObject toJson() {
    return new JsonObject().put("baseUrl", baseUrl).put("maxConcurrency", maxConcurrency)
        .put("connectTimeoutMillis", connectTimeoutMillis).put("idleTimeoutMillis", idleTimeoutMillis)
        .put("requestTimeoutMillis", requestTimeoutMillis)
        .put("defaultRetryAfterMillis", defaultRetryAfterMillis).put("hopId", hopId);
  }

  public String getBaseUrl() {
    return baseUrl;
  }

  /** Linq's base URL, e.g. {@code https://api.linqapp.com/api/partner}; {@code /v3/...} is appended. */
  public LinqClientOptions setBaseUrl(String baseUrl) {
    this.baseUrl = baseUrl;
    return this;
  }

  public String getApiKey() {
    return apiKey;
  }

  public LinqClientOptions setApiKey(String apiKey) {
    this.apiKey = apiKey;
    return this;
  }

  public int getMaxConcurrency() {
    return maxConcurrency;
  }

  public LinqClientOptions setMaxConcurrency(int maxConcurrency) {
    this.maxConcurrency = maxConcurrency;
    return this;
  }

  public int getConnectTimeoutMillis() {
    return connectTimeoutMillis;
  }

  public LinqClientOptions setConnectTimeoutMillis(int connectTimeoutMillis) {
    this.connectTimeoutMillis = connectTimeoutMillis;
    return this;
  }

  public long getIdleTimeoutMillis() {
    return idleTimeoutMillis;
  }

  public LinqClientOptions setIdleTimeoutMillis(long idleTimeoutMillis) {
    this.idleTimeoutMillis = idleTimeoutMillis;
    return this;
  }

  public long getRequestTimeoutMillis() {
    return requestTimeoutMillis;
  }

  /** Longest a whole exchange may take, from the call to the last byte of the answer. */
  public LinqClientOptions setRequestTimeoutMillis(long requestTimeoutMillis) {
    this.requestTimeoutMillis = requestTimeoutMillis;
    return this;
  }

  public long getDefaultRetryAfterMillis() {
    return defaultRetryAfterMillis;
  }

  public LinqClientOptions setDefaultRetryAfterMillis(long defaultRetryAfterMillis) {
    this.defaultRetryAfterMillis = defaultRetryAfterMillis;
    return this;
  }

  public String getHopId() {
    return hopId;
  }

  /** Sent as {@code X-Linq-Gateway-Hop}, so a gateway pointed at itself recognises its own requests. */
  public LinqClientOptions setHopId(String hopId) {
    this.hopId = hopId;
    return this;
  }
}
